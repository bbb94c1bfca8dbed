"""OpenID Connect Back-Channel Logout 1.0: the logout token, and its delivery to one app.

When a sign-in session ends (the user signs out anywhere, or an administrator ends it),
every app that received tokens in it gets a signed logout token by a direct POST, so it can
end its own session even though the browser never visits it (§2.5)."""

from __future__ import annotations

import json
import time
import uuid

from jwcrypto import jwt
from oauth2_provider.settings import oauth2_settings

from govhub.identity.models import ClientSession
from govhub.identity.sso.signing_keys import current_signing_jwk
from govhub.kernel import outbound_http

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_LIFETIME_SECONDS = 120


def logout_token(link: ClientSession) -> str:
    """§2.4: iss, aud, iat, exp, jti, sub and sid, the logout event, and never a nonce."""
    session = link.sign_in_session
    now = int(time.time())
    key = current_signing_jwk()
    claims = {
        "iss": oauth2_settings.OIDC_ISS_ENDPOINT,
        "aud": link.client.client_id,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
        "jti": str(uuid.uuid4()),
        "sub": str(session.account_id),
        "sid": session.sid,
        "events": {LOGOUT_EVENT: {}},
    }
    # §2.4 recommends the explicit type "logout+jwt" so it cannot pass for an ID token.
    token = jwt.JWT(header={"alg": "RS256", "kid": key.thumbprint(), "typ": "logout+jwt"},
                    claims=json.dumps(claims))
    token.make_signed_token(key)
    return str(token.serialize())


def deliver(link: ClientSession) -> str | None:
    """POSTs the logout token (§2.5). Returns None on success, else what went wrong."""
    try:
        # A POST: the client does not repeat it; the task tries again later (tasks.py).
        with outbound_http.session() as http:
            response = http.post(link.client.backchannel_logout_uri,
                                 data={"logout_token": logout_token(link)},
                                 allow_redirects=False)  # §2.8: the answer is 200 or 204
    except outbound_http.OutboundHttpError as error:
        return f"{type(error).__name__}: {error}"
    return None if response.status_code in (200, 204) else f"HTTP {response.status_code}"
