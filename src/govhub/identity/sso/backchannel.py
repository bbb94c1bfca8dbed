"""OpenID Connect Back-Channel Logout 1.0: the logout token, and its delivery to one app.

When a sign-in session ends (the user signs out anywhere, or an administrator ends it),
every app that received tokens in it gets a signed logout token by a direct POST, so it can
end its own session even though the browser never visits it (§2.5)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from jwcrypto import jwt
from oauth2_provider.settings import oauth2_settings

from govhub.identity.models import ClientSession
from govhub.identity.sso.signing_keys import current_signing_jwk

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_LIFETIME_SECONDS = 120
DELIVERY_TIMEOUT_SECONDS = 5


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
    body = urllib.parse.urlencode({"logout_token": logout_token(link)}).encode()
    request = urllib.request.Request(  # noqa: S310 - a registered https/http URI
        link.client.backchannel_logout_uri, data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return f"{type(error).__name__}: {error}"
    return None if status in (200, 204) else f"HTTP {status}"
