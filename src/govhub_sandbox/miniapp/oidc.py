"""The mini-app as an OpenID Connect relying party of govhub: discovery, the authorization
code flow with PKCE, the ID token's checks, and the back-channel logout token's checks.

Plain aiohttp + joserfc, so the checks the specifications require are visible here:
OpenID Connect Core 1.0 §3.1.3.7 (ID token), RFC 7636 (PKCE S256), RFC 6749 §2.3.1
(client_secret_basic), OpenID Connect Back-Channel Logout 1.0 §2.6 (logout token)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import aiohttp
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from govhub_sandbox.miniapp.config import Settings

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
ALGORITHMS = ["RS256"]  # what govhub signs with (discovery: id_token_signing_alg_values)
LEEWAY_SECONDS = 60  # clock skew between the provider and this app
MAX_LOGOUT_TOKEN_AGE_SECONDS = 300  # §2.6: iat is checked; older tokens are refused


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable."""


class InvalidTokenError(Exception):
    """A token failed a check; the message names which (for logs, not for people)."""


@dataclass(frozen=True)
class LoginRequest:
    """What the app keeps between sending the browser to the provider and its return."""

    state: str
    nonce: str
    code_verifier: str
    created: float
    return_to: str  # the page asked for, a path on this app


def new_login_request(return_to: str = "/") -> LoginRequest:
    # RFC 7636 §4.1: 43-128 characters of high entropy; 48 random bytes give 64.
    return LoginRequest(secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                        secrets.token_urlsafe(48), time.time(), return_to)


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()  # RFC 7636 §4.2, S256
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class RelyingParty:
    """One per app. Discovery and the JWKS are fetched when first needed (the provider may
    start after this app) and kept; the JWKS is fetched again when a token names a key id
    it does not hold (the provider rotated its key)."""

    def __init__(self, settings: Settings, http: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.http = http
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self.http.get(url) as response:
                if response.status != 200:
                    raise ProviderError(f"GET {url}: HTTP {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ProviderError(f"GET {url}: {error}") from error
        if not isinstance(data, dict):
            raise ProviderError(f"GET {url}: not a JSON object")
        return data

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            issuer = self.settings.issuer.rstrip("/")
            data = await self._get_json(f"{issuer}/.well-known/openid-configuration")
            # OpenID Connect Discovery 1.0 §4.3: the issuer must be exactly the one asked.
            if data.get("issuer", "").rstrip("/") != issuer:
                raise ProviderError(f"discovery names issuer {data.get('issuer')!r}")
            self._metadata = data
        return self._metadata

    async def keys(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            jwks = await self._get_json((await self.metadata())["jwks_uri"])
            self._keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        return self._keys

    async def authorization_url(self, login: LoginRequest, *, silent: bool) -> str:
        query = {"response_type": "code", "client_id": self.settings.client_id,
                 "redirect_uri": self.settings.redirect_uri, "scope": self.settings.scopes,
                 "state": login.state, "nonce": login.nonce,
                 "code_challenge": code_challenge(login.code_verifier),
                 "code_challenge_method": "S256"}
        if silent:
            # OIDC Core §3.1.2.1: answer without any page; a browser signed in at govhub
            # gets a code at once, any other gets error=login_required back.
            query["prompt"] = "none"
        endpoint = (await self.metadata())["authorization_endpoint"]
        return f"{endpoint}?{urllib.parse.urlencode(query)}"

    async def end_session_url(self, id_token: str) -> str | None:
        endpoint = (await self.metadata()).get("end_session_endpoint")
        if not endpoint:
            return None
        # OpenID Connect RP-Initiated Logout 1.0 §2.
        query = {"id_token_hint": id_token, "client_id": self.settings.client_id,
                 "post_logout_redirect_uri": self.settings.home_url}
        return f"{endpoint}?{urllib.parse.urlencode(query)}"

    async def exchange_code(self, code: str, login: LoginRequest) -> dict[str, Any]:
        """The token request; returns the ID token's checked claims (§3.1.3.7)."""
        # RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
        quote = urllib.parse.quote_plus
        pair = f"{quote(self.settings.client_id)}:{quote(self.settings.client_secret)}"
        auth = {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self.settings.redirect_uri,
                "code_verifier": login.code_verifier}
        endpoint = (await self.metadata())["token_endpoint"]
        try:
            async with self.http.post(endpoint, data=form, headers=auth) as response:
                body = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ProviderError(f"token request: {error}") from error
        if status != 200 or not isinstance(body, dict) or "id_token" not in body:
            error_code = body.get("error") if isinstance(body, dict) else None
            raise ProviderError(f"token request: HTTP {status} {error_code or ''}".strip())
        claims = await self.verify_id_token(str(body["id_token"]), login.nonce)
        return claims | {"_id_token": body["id_token"]}

    async def _decode(self, token: str) -> jwt.Token:
        try:
            keys = await self.keys()
            kid = jws.extract_compact(token.encode()).headers().get("kid")
            if kid and not any(key.kid == kid for key in keys.keys):
                keys = await self.keys(refresh=True)
            return jwt.decode(token, keys, algorithms=ALGORITHMS)
        except (JoseError, ValueError, KeyError, TypeError) as error:
            raise InvalidTokenError(f"signature: {error}") from error

    def _registry(self, **extra: Any) -> jwt.JWTClaimsRegistry:
        return jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.settings.issuer.rstrip("/")},
            aud={"essential": True, "value": self.settings.client_id},
            iat={"essential": True}, **extra)

    async def verify_id_token(self, token: str, nonce: str) -> dict[str, Any]:
        claims = (await self._decode(token)).claims
        try:
            self._registry(exp={"essential": True}, sub={"essential": True},
                           nonce={"essential": True, "value": nonce}).validate(claims)
        except JoseError as error:
            raise InvalidTokenError(f"ID token: {error}") from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            raise InvalidTokenError("ID token: several audiences and azp is not this app")
        return claims

    async def verify_logout_token(self, token: str) -> dict[str, Any]:
        """Back-Channel Logout 1.0 §2.6, steps 2-6 (the jti replay check is the caller's)."""
        decoded = await self._decode(token)
        # §2.4: "logout+jwt" when typed, so an ID token can never pass for a logout token.
        typ = str(decoded.header.get("typ", "logout+jwt")).lower().removeprefix("application/")
        if typ != "logout+jwt":
            raise InvalidTokenError(f"logout token: typ {typ!r}")
        claims = decoded.claims
        try:
            self._registry(exp={"essential": False}).validate(claims)
        except JoseError as error:
            raise InvalidTokenError(f"logout token: {error}") from error
        if int(claims["iat"]) < time.time() - MAX_LOGOUT_TOKEN_AGE_SECONDS:
            raise InvalidTokenError("logout token: too old")
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
            raise InvalidTokenError("logout token: no back-channel logout event")
        if not claims.get("sid") and not claims.get("sub"):
            raise InvalidTokenError("logout token: neither sid nor sub")
        if "nonce" in claims:
            raise InvalidTokenError("logout token: a nonce is forbidden (§2.4)")
        return claims
