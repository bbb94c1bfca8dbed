"""The signature on evidence checkpoints (ADR 0016): Ed25519 (RFC 8032) with a key derived
for this one purpose from GOVHUB_PII_KEY by HKDF (RFC 5869).

Derived, not stored: a checkpoint must stay verifiable for as long as evidence is kept, so its
key cannot be one that rotates and is then destroyed (the OpenID Connect keys are,
``services.keys.retire_signing_keys``), and a copy of the database alone must not be enough
to forge one. The public key (``govhub evidence public-key``) lets anyone holding exported
checkpoints check them without the platform.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from govhub_contracts.evidence_hash import canonical_datetime

# Domain separation: these bytes are never a valid signature input for anything else.
_CONTEXT = b"govhub evidence checkpoint v1\n"
_HKDF_INFO = b"govhub evidence checkpoints ed25519"


def _private_key() -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=_HKDF_INFO).derive(settings.GOVHUB_PII_KEY.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def _public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id() -> str:
    """SHA-256 of the raw public key, first 32 hex digits: which key signed a checkpoint."""
    return hashlib.sha256(_public_raw(_private_key().public_key())).hexdigest()[:32]


def public_key_pem() -> str:
    return _private_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signed_bytes(gateway: str, sequence: int, record_hash: str, signed_at: datetime) -> bytes:
    """What a checkpoint's signature covers: its fields as sorted, compact JSON."""
    fields = {"gateway": gateway, "sequence": sequence, "hash": record_hash,
              "signed_at": canonical_datetime(signed_at)}
    return _CONTEXT + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def sign(message: bytes) -> str:
    return base64.urlsafe_b64encode(_private_key().sign(message)).rstrip(b"=").decode()


def is_valid(message: bytes, signature: str, signed_by: str) -> bool:
    """Does ``signature`` (from :func:`sign`) cover ``message`` under this installation's
    key, which ``signed_by`` names?"""
    if signed_by != key_id():
        return False
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        _private_key().public_key().verify(raw, message)
    except (InvalidSignature, ValueError):
        return False
    return True
