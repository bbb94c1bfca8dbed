"""Signing key, subject identifiers, ID tokens and PKCE: the cryptography of the provider."""

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from govhub_sandbox.vneid.config import ConfigError

SIGNING_ALGORITHM = "RS256"  # OIDC Core §15.1: every OP must support RS256
MIN_RSA_BITS = 2048  # RFC 7518 §3.3: a key of 2048 bits or larger MUST be used with RS256

# RFC 7636 §4.1: code-verifier = 43*128unreserved; §4.2: the S256 challenge is its
# BASE64URL(SHA256(verifier)), 43 characters without padding.
CODE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CODE_CHALLENGE_S256 = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SigningKey:
    """The provider's RSA key. Its ``kid`` is the RFC 7638 thumbprint, so a key loaded from
    the same PEM file keeps the same ``kid`` across restarts."""

    def __init__(self, key: RSAKey) -> None:
        if not key.is_private:
            raise ConfigError("The signing key must be an RSA private key.")
        bits = key.public_key.key_size
        if bits < MIN_RSA_BITS:
            raise ConfigError(f"The signing key has {bits} bits; RS256 needs ≥ {MIN_RSA_BITS}.")
        self.kid = key.thumbprint()
        self._key = key

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(RSAKey.generate_key(MIN_RSA_BITS))

    @classmethod
    def from_pem_file(cls, path: str | Path) -> "SigningKey":
        try:
            return cls(RSAKey.import_key(Path(path).read_bytes()))
        except (OSError, ValueError, JoseError) as error:
            raise ConfigError(f"Cannot load the signing key from {path}: {error}") from error

    def jwks(self) -> dict[str, Any]:
        """The JWK Set (RFC 7517 §5) served at jwks_uri: public parts only."""
        public = dict(self._key.as_dict(private=False))
        public.update({"kid": self.kid, "use": "sig", "alg": SIGNING_ALGORITHM})
        return {"keys": [public]}

    def sign(self, claims: Mapping[str, Any], *, typ: str = "JWT") -> str:
        header = {"alg": SIGNING_ALGORITHM, "kid": self.kid, "typ": typ}
        return jwt.encode(header, dict(claims), self._key, algorithms=[SIGNING_ALGORITHM])

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a JWT this key signed (expired or not), or None if it did not."""
        try:
            return dict(jwt.decode(token, self._key, algorithms=[SIGNING_ALGORITHM]).claims)
        except (JoseError, ValueError):
            return None


def subject_for(so_dinh_danh: str, secret: str) -> str:
    """OIDC Core §8 (public subject type): `sub` is stable per citizen and never reassigned.
    A keyed hash keeps the personal identification number itself out of the token's subject,
    where relying parties log and store it freely (Law 91/2025/QH15: collect only what is
    needed)."""
    mac = hmac.new(secret.encode(), b"vneid-sub:" + so_dinh_danh.encode(), hashlib.sha256)
    return b64url(mac.digest())


def access_token_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6 at_hash: base64url of the left half of SHA-256 (RS256's hash)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


def s256_challenge(code_verifier: str) -> str:
    """RFC 7636 §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))."""
    return b64url(hashlib.sha256(code_verifier.encode("ascii")).digest())


def verifier_matches(code_verifier: str, code_challenge: str) -> bool:
    """RFC 7636 §4.6: the server recomputes the challenge from the verifier and compares."""
    if not CODE_VERIFIER.match(code_verifier):
        return False
    return hmac.compare_digest(s256_challenge(code_verifier), code_challenge)
