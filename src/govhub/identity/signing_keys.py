"""Reads of the OpenID Connect signing keys (identity.SigningKey).

Private keys are stored encrypted (Fernet) under a key derived from GOVHUB_PII_KEY, so a
database dump alone cannot forge ID tokens. The JWKS publishes the current key and every
older key still inside its ``published_until`` window (see services.keys.rotate_signing_key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from jwcrypto import jwk

from govhub.identity.models import SigningKey


def _fernet() -> Fernet:
    derived = hmac.new(settings.GOVHUB_PII_KEY.encode(), b"oidc-signing-keys",
                       hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_private_key(pem: bytes) -> str:
    return _fernet().encrypt(pem).decode()


@lru_cache(maxsize=8)
def _jwk_for(kid: str, ciphertext: str) -> jwk.JWK:
    # Decrypting and parsing a key costs milliseconds; a process keeps the few it uses. The
    # key carries its id (RFC 7517 §4.5), so signers need not hash it again per token.
    key = jwk.JWK()
    key.import_from_pem(_fernet().decrypt(ciphertext.encode()), kid=kid)
    return key


def current_signing_key() -> SigningKey | None:
    return SigningKey.objects.filter(deactivated_at__isnull=True).order_by("-created_at").first()


def current_signing_jwk() -> jwk.JWK:
    key = current_signing_key()
    if key is None:
        from govhub.identity.services.keys import create_signing_key
        from govhub.kernel.actors import SystemActor

        key = create_signing_key(actor=SystemActor("first ID token"))
    return _jwk_for(key.kid, key.private_key_ciphertext)


def published_keys() -> list[SigningKey]:
    now = timezone.now()
    return list(SigningKey.objects.filter(
        Q(deactivated_at__isnull=True) | Q(published_until__gt=now)
    ).order_by("-created_at"))


def public_jwks() -> dict[str, Any]:
    """The JSON Web Key Set (RFC 7517 §5) of every published key, public parts only."""
    keys = []
    for key in published_keys():
        public = json.loads(_jwk_for(key.kid, key.private_key_ciphertext).export_public())
        keys.append({"alg": "RS256", "use": "sig", "kid": key.kid, **public})
    return {"keys": keys}
