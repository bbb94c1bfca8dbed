"""Consumer authentication: which registered system is calling (exchange contract §1).

Three credentials, tried in this order (``X-Api-Key`` before ``Authorization``; an explicit
header wins over the TLS layer, so a consumer behind a TLS-terminating proxy can still use a
key); only the first one presented is judged, never a fallback to the next:

1. API key ``ghk_{key_id}_{secret}`` in ``Authorization: Bearer`` or ``X-Api-Key``. The key is
   looked up by ``key_id`` and SHA-256(secret) compared in constant time (ADR 0013: the secret
   is 32 random bytes, so a fast hash suffices).
2. A JWT access token (RFC 9068) from govhub's own OpenID provider, verified against a JWKS
   cache held by :class:`TokenVerifier`. ``decide`` never awaits: a token naming an unknown
   ``kid`` is refused (401) and the verifier flags a refresh the runner performs.
3. Mutual TLS: the SHA-256 fingerprint of the client certificate the engine saw.

Credentials never reach evidence, logs or the provider: the policy drops ``Authorization``
and ``X-Api-Key`` from what it forwards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from govhub_contracts.snapshot import API_KEY_PREFIX, Snapshot, TokenIssuer

log = logging.getLogger(__name__)

# RFC 9068 §4: access tokens are typed "at+jwt"; many issuers still send "JWT".
ACCEPTED_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt", "jwt"})
LEEWAY_SECONDS = 30
CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key"})


@dataclass(slots=True, frozen=True)
class Authenticated:
    client: str  # ``{member}/{system}``
    method: str  # "api-key", "jwt", "mtls"


@dataclass(slots=True, frozen=True)
class Rejected:
    reason: str  # for the problem's detail: says what was wrong, never echoes the secret
    bearer_error: str = ""  # RFC 6750 §3.1 error code for WWW-Authenticate, if any


class TokenVerifier:
    """Verifies RS256 access tokens against a cached JWKS (RFC 7517).

    The cache is replaced as a whole (one reference), so verification on the event loop never
    sees a half-loaded key set. ``refresh`` is async and meant for the runner: periodically,
    and soon after :attr:`needs_refresh` turns true (a token named a ``kid`` we do not hold,
    which is how a key rotation at the issuer shows up)."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._keys: KeySet | None = None
        self._kids: frozenset[str] = frozenset()
        self.needs_refresh = False
        self.jwks_uri: str | None = None

    def load_jwks(self, jwks: dict[str, Any]) -> None:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        self._kids = frozenset(str(k.kid) for k in key_set.keys if k.kid)
        self._keys = key_set
        self.needs_refresh = False

    async def refresh(self, session_or_url: Any = None) -> None:
        """Fetch the JWKS: ``session_or_url`` is an aiohttp ClientSession (the URL then comes
        from the snapshot's token issuer), a URL string, or None (own short-lived session)."""
        import aiohttp  # the runner's dependency; decide never reaches this

        url = session_or_url if isinstance(session_or_url, str) else self.jwks_uri
        if url is None:
            return
        timeout = aiohttp.ClientTimeout(total=10)
        if isinstance(session_or_url, aiohttp.ClientSession):
            async with session_or_url.get(url, timeout=timeout) as response:
                response.raise_for_status()
                jwks = await response.json(content_type=None)
        else:
            async with aiohttp.ClientSession(timeout=timeout) as session, \
                    session.get(url) as response:
                response.raise_for_status()
                jwks = await response.json(content_type=None)
        self.load_jwks(jwks)

    def verify(self, token: str, issuer: TokenIssuer) -> dict[str, Any] | Rejected:
        """The token's claims when valid, else why not."""
        header = _jose_header(token)
        if header is None:
            return Rejected("the bearer token is not a JWT", "invalid_token")
        if str(header.get("typ", "jwt")).lower() not in ACCEPTED_TOKEN_TYPES:
            return Rejected("the token is not an access token (typ)", "invalid_token")
        kid = header.get("kid")
        if self._keys is None or (kid is not None and kid not in self._kids):
            self.needs_refresh = True  # a rotated key: the runner fetches the JWKS again
            return Rejected("the token is signed with a key the gateway does not know yet",
                            "invalid_token")
        try:
            decoded = jwt.decode(token, self._keys, algorithms=["RS256"])
            registry = jwt.JWTClaimsRegistry(
                now=lambda: int(self._clock()), leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": issuer.issuer},
                aud={"essential": True, "value": issuer.audience},
                exp={"essential": True})
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            return Rejected(f"invalid access token ({type(exc).__name__})", "invalid_token")
        return decoded.claims


def _jose_header(token: str) -> dict[str, Any] | None:
    head, _, rest = token.partition(".")
    if not rest or rest.count(".") != 1:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):
        return None
    return value if isinstance(value, dict) else None


@dataclass(slots=True, frozen=True)
class _ApiKeyEntry:
    secret_sha256: str
    client: str
    expires_at: float | None


class CredentialTable:
    """The snapshot's credentials compiled into dicts (key_id, client_id, fingerprint)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.api_keys = {
            key.key_id: _ApiKeyEntry(key.secret_sha256.lower(), key.client,
                                     key.expires_at.timestamp() if key.expires_at else None)
            for key in snapshot.api_keys}
        self.oauth_clients = {c.client_id: c.client for c in snapshot.oauth_clients}
        self.certificates = {c.sha256_fingerprint.lower(): c.client
                             for c in snapshot.certificates}
        self.token_issuer = snapshot.token_issuer
        # full ``ghk_`` key → its entry and the (immutable) answer, built once
        self._verified: dict[str, tuple[_ApiKeyEntry, Authenticated]] = {}

    def check_api_key(self, value: str, now: float) -> Authenticated | Rejected:
        verified = self._verified.get(value)
        if verified is None:
            key_id, _, secret = value[len(API_KEY_PREFIX):].partition("_")
            entry = self.api_keys.get(key_id)
            if not secret or entry is None:
                return Rejected("unknown API key")
            digest = hashlib.sha256(secret.encode()).hexdigest()
            if not hmac.compare_digest(digest, entry.secret_sha256):
                return Rejected("unknown API key")  # same words: the key id's existence
            # Remember the exact key that matched: the next call with it skips the SHA-256
            # (per-request cost). At most one entry per key of this snapshot, so
            # no guessed value is ever stored; a new snapshot starts a new table.
            verified = self._verified[value] = (entry, Authenticated(entry.client, "api-key"))
        entry = verified[0]
        if entry.expires_at is not None and now >= entry.expires_at:
            return Rejected("the API key has expired")
        return verified[1]

    def check_token(self, token: str, verifier: TokenVerifier) -> Authenticated | Rejected:
        if self.token_issuer is None:
            return Rejected("this gateway accepts no access tokens", "invalid_token")
        claims = verifier.verify(token, self.token_issuer)
        if isinstance(claims, Rejected):
            return claims
        client = self.oauth_clients.get(str(claims.get("client_id", "")))
        if client is None:
            return Rejected("the token's client_id is not a registered consumer system",
                            "invalid_token")
        return Authenticated(client, "jwt")

    def authenticate(self, headers: list[tuple[str, str]], peer_sha256: str | None,
                     verifier: TokenVerifier, now: float,
                     found: dict[str, str] | None = None) -> Authenticated | Rejected | None:
        """Who is calling; None when no credential was presented at all. ``found``: each
        header's first value by name (``identification.first_values(headers)``), when the
        caller has built it already."""
        if found is None:
            found = dict(reversed(headers))  # the first value of a repeated header wins
        authorization, api_key = found.get("authorization"), found.get("x-api-key")
        if api_key is not None:
            api_key = api_key.strip()
            if not api_key.startswith(API_KEY_PREFIX):
                return Rejected("X-Api-Key must hold a ghk_ key")
            return self.check_api_key(api_key, now)
        if authorization is not None:
            scheme, _, credential = authorization.strip().partition(" ")
            credential = credential.strip()
            if scheme.lower() != "bearer" or not credential:
                return Rejected("Authorization must use the Bearer scheme (RFC 6750)",
                                "invalid_request")
            if credential.startswith(API_KEY_PREFIX):
                return self.check_api_key(credential, now)
            return self.check_token(credential, verifier)
        if peer_sha256 is not None:
            client = self.certificates.get(peer_sha256.lower())
            if client is None:
                return Rejected("the client certificate is not registered")
            return Authenticated(client, "mtls")
        return None
