"""Access tokens: opaque for people's apps, signed JWTs for systems calling the integration hub.

A consumer system that authenticates at the hub with OAuth 2 client credentials gets a JWT
access token (RFC 9068) signed with the OpenID provider's current key, so every gateway can
verify it with the cached JWKS and no call back to the control plane (docs/exchange-contract.md: the
gateway never reads the database and keeps serving when the control plane is down). The price
is that revoking such a token cannot reach the gateways before it expires (15 minutes):
unbinding the client from its system, which the next config snapshot carries, is the way to
cut a system off at once. Tokens issued to people's apps (code flow) stay opaque random
strings: they are checked at /o/userinfo and /o/introspect, which read the database anyway.
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from jwcrypto import jwt
from oauthlib import common
from oauthlib.common import Request

from govhub.identity.sso.signing_keys import current_signing_jwk

# The audience every gateway checks (govhub_contracts.snapshot.TokenIssuer.audience).
GATEWAY_AUDIENCE = "govhub-gateway"
# RFC 9068 §2.1: the JOSE header's "typ" of a JWT access token.
ACCESS_TOKEN_JWT_TYPE = "at+jwt"  # noqa: S105 - a media type, not a secret


def generate_access_token(request: Request, refresh_token: bool = False) -> str:
    """DOT's ACCESS_TOKEN_GENERATOR (also its refresh-token generator, which must stay
    opaque: refresh tokens are never sent to a gateway)."""
    if refresh_token or request.grant_type != "client_credentials":
        return str(common.generate_token())
    return system_access_token(request)


def system_access_token(request: Request) -> str:
    issued_at = int(time.time())
    client_id = request.client.client_id
    claims = {
        # RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti; with no resource owner, the
        # subject is the client itself.
        "iss": settings.GOVHUB_PUBLIC_URL,
        "sub": client_id,
        "aud": GATEWAY_AUDIENCE,
        "client_id": client_id,
        "iat": issued_at,
        "exp": issued_at + int(request.expires_in),
        "jti": uuid.uuid4().hex,
    }
    if request.scopes:
        claims["scope"] = " ".join(request.scopes)
    key = current_signing_jwk()
    # The key id the JWKS publishes (its RFC 7638 thumbprint), kept with the parsed key.
    token = jwt.JWT(header={"alg": "RS256", "typ": ACCESS_TOKEN_JWT_TYPE, "kid": key["kid"]},
                    claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())
