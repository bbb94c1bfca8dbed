"""Server-to-server endpoints: /token (OIDC Core §3.1.3, RFC 6749 §4.1.3) and /userinfo
(OIDC Core §5.3, RFC 6750)."""

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web
from multidict import MultiMapping

from govhub_sandbox.vneid.config import RegisteredClient
from govhub_sandbox.vneid.provider import PROVIDER, Provider, json_response
from govhub_sandbox.vneid.store import AccessToken, AuthorizationCode
from govhub_sandbox.vneid.tokens import access_token_hash, verifier_matches

REALM = "VNeID sandbox"
FORM = "application/x-www-form-urlencoded"


def token_error(error: str, description: str, *, status: int = 400) -> web.Response:
    """RFC 6749 §5.2 error response. invalid_client is 401 with a challenge (RFC 6749 §5.2,
    RFC 9110 §15.5.2: a 401 always carries WWW-Authenticate)."""
    headers = {"WWW-Authenticate": f'Basic realm="{REALM}"'} if status == 401 else None
    return json_response({"error": error, "error_description": description},
                         status=status, headers=headers)


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: client_id and secret are form-urlencoded, then HTTP Basic."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if colon else None


def _authenticate_client(request: web.Request, form: Mapping[str, str],
                         provider: Provider) -> RegisteredClient | web.Response:
    header = request.headers.get("Authorization")
    in_body = "client_secret" in form
    if header and in_body:
        # RFC 6749 §2.3: a client MUST NOT use more than one authentication method.
        return token_error("invalid_request", "Use one client authentication method only.")
    if header:
        credentials = _basic_credentials(header)
        if credentials is None:
            return token_error("invalid_client", "Malformed Basic credentials.", status=401)
        if form.get("client_id") not in (None, credentials[0]):
            return token_error("invalid_client", "client_id differs from the credentials.",
                               status=401)
    elif in_body:  # client_secret_post
        credentials = (form.get("client_id", ""), form["client_secret"])
    else:
        return token_error("invalid_client", "Client authentication is required.", status=401)
    client = provider.config.client(credentials[0])
    if client is None or not hmac.compare_digest(client.client_secret.encode(),
                                                 credentials[1].encode()):
        return token_error("invalid_client", "Unknown client or wrong secret.", status=401)
    return client


def _redeem(provider: Provider, client: RegisteredClient,
            form: Mapping[str, str]) -> AuthorizationCode | web.Response:
    """RFC 6749 §4.1.3 and RFC 7636 §4.6: the checks on the code and its verifier."""
    if not form.get("code") or not form.get("redirect_uri"):
        return token_error("invalid_request", "code and redirect_uri are required.")
    code = provider.store.code(form["code"])
    if code is None:
        return token_error("invalid_grant", "Unknown or expired authorization code.")
    if code.is_spent:
        # RFC 6749 §4.1.2: a code used twice is denied, and the tokens issued with it revoked.
        provider.store.revoke_access_tokens(code.access_tokens)
        return token_error("invalid_grant", "The authorization code was already used.")
    # Spent at its first redemption, right or wrong, so a stolen code gives one guess at the
    # verifier only.
    code.is_spent = True
    if code.request.client_id != client.client_id:
        return token_error("invalid_grant", "The code was issued to another client.")
    if form["redirect_uri"] != code.request.redirect_uri:
        return token_error("invalid_grant", "redirect_uri differs from the authorization request.")
    verifier = form.get("code_verifier")
    if code.request.code_challenge is not None:
        if verifier is None or not verifier_matches(verifier, code.request.code_challenge):
            return token_error("invalid_grant", "PKCE verification failed.")
    elif verifier is not None:
        # RFC 9700 §2.1.1: reject a code_verifier when no code_challenge was sent (downgrade).
        return token_error("invalid_grant", "No code_challenge was sent for this code.")
    return code


def _form(posted: MultiMapping[Any]) -> dict[str, str] | web.Response:
    form: dict[str, str] = {}
    for key, value in posted.items():
        if key in form:  # RFC 6749 §3.2: parameters MUST NOT be included more than once
            return token_error("invalid_request", f"Parameter {key} is repeated.")
        if not isinstance(value, str):
            return token_error("invalid_request", "Send form fields, not files.")
        form[key] = value
    return form


async def token(request: web.Request) -> web.StreamResponse:
    provider = request.app[PROVIDER]
    if (fault := await provider.faults.interfere("token")) is not None:
        return fault
    if request.content_type != FORM:  # RFC 6749 §4.1.3
        return token_error("invalid_request", f"Send the request as {FORM}.")
    form = _form(await request.post())
    if isinstance(form, web.Response):
        return form
    client = _authenticate_client(request, form, provider)
    if isinstance(client, web.Response):
        return client
    if not form.get("grant_type"):
        return token_error("invalid_request", "grant_type is required.")
    if form["grant_type"] != "authorization_code":
        return token_error("unsupported_grant_type", "Only authorization_code is supported.")
    code = _redeem(provider, client, form)
    if isinstance(code, web.Response):
        return code
    return _token_response(provider, request, client, code)


def _token_response(provider: Provider, request: web.Request, client: RegisteredClient,
                    code: AuthorizationCode) -> web.Response:
    """OIDC Core §3.1.3.3: access token, Bearer type, lifetime and a signed ID token."""
    config, citizen, now = provider.config, code.citizen, provider.now()
    access_token = provider.store.add_access_token(AccessToken(
        client_id=client.client_id, citizen=citizen, scopes=code.request.scopes,
        auth_time=code.auth_time, expires_at=provider.clock() + config.access_token_ttl_seconds))
    code.access_tokens.append(access_token)
    # OIDC Core §2 (ID token claims) and §3.1.3.6 (at_hash). Personal data stays out of the
    # ID token: the relying party asks /userinfo for exactly the scopes it was granted.
    claims: dict[str, Any] = {
        "iss": provider.issuer(request), "sub": provider.subject(citizen),
        "aud": client.client_id, "exp": now + config.id_token_ttl_seconds, "iat": now,
        "auth_time": code.auth_time, "amr": provider.amr(citizen),
        "at_hash": access_token_hash(access_token),
    }
    if code.request.acr_values or not config.acr_only_when_requested:
        # The level the citizen's account actually has, whatever was asked for: acr_values
        # is a voluntary request (OIDC Core §5.5.1.1), and the relying party decides.
        claims["acr"] = provider.acr(citizen)
    if code.sid is not None:  # Back-Channel Logout 1.0 §2.1: the session, for logout
        claims["sid"] = code.sid
    if code.request.nonce is not None:  # OIDC Core §3.1.2.1: passed through unchanged
        claims["nonce"] = code.request.nonce
    claims.update(config.id_token_overrides)
    return json_response({
        "access_token": access_token, "token_type": "Bearer",
        "expires_in": config.access_token_ttl_seconds, "id_token": provider.key.sign(claims),
        "scope": " ".join(code.request.scopes),
    })


def _bearer_error(status: int, error: str | None, description: str) -> web.Response:
    """RFC 6750 §3: a challenge naming the realm, plus the error once a token was sent."""
    challenge = f'Bearer realm="{REALM}"'
    body: dict[str, str] = {}
    if error:
        challenge += f', error="{error}", error_description="{description}"'
        body = {"error": error, "error_description": description}
    return json_response(body, status=status, headers={"WWW-Authenticate": challenge})


async def _presented_token(request: web.Request) -> str | web.Response:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    from_header = value.strip() if scheme.lower() == "bearer" else None
    from_body = None
    if request.method == "POST" and request.content_type == FORM:  # RFC 6750 §2.2
        posted = await request.post()
        body_value = posted.get("access_token")
        from_body = body_value if isinstance(body_value, str) else None
    if from_header and from_body:
        # RFC 6750 §2: clients MUST NOT use more than one method to send the token.
        return _bearer_error(400, "invalid_request", "Send the token one way only.")
    presented = from_header or from_body
    if not presented:
        return _bearer_error(401, None, "")
    return presented


async def userinfo(request: web.Request) -> web.StreamResponse:
    """GET or POST /userinfo (OIDC Core §5.3.1): the claims the granted scopes allow."""
    provider = request.app[PROVIDER]
    if (fault := await provider.faults.interfere("userinfo")) is not None:
        return fault
    presented = await _presented_token(request)
    if isinstance(presented, web.Response):
        return presented
    token = provider.store.access_token(presented)
    if token is None:
        return _bearer_error(401, "invalid_token", "The access token is unknown or expired.")
    citizen = token.citizen
    claims: dict[str, Any] = {"sub": provider.subject(citizen)}
    # OIDC Core §5.4: each scope releases its own claims (Law 91/2025/QH15: only what the
    # relying party asked for and was granted).
    if "profile" in token.scopes:
        claims.update(HoVaTen=citizen.ho_va_ten, NgaySinh=citizen.ngay_sinh.isoformat(),
                      GioiTinh=citizen.gioi_tinh)
    if "vneid" in token.scopes:
        claims.update(SoDinhDanh=citizen.so_dinh_danh, acr=provider.acr(citizen),
                      level=citizen.level)
        if citizen.so_dien_thoai:
            claims["SoDienThoai"] = citizen.so_dien_thoai
    return json_response(claims)
