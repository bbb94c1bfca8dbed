"""Keys derived from ``GOVHUB_PII_KEY``, the key for data at rest: one labelled derivation
per purpose, so that no two uses ever share a key (NIST SP 800-108 §6: key separation) and
a leaked derived key reveals neither the master key nor any sibling.

The derivation is HKDF with SHA-256 (RFC 5869). Purposes written before this module existed
keep the bytes they were first derived with, because data is stored under them (encrypted
personal identification numbers, TOTP secrets and signing keys; digests looked up by value):
that derivation was HMAC-SHA256 keyed with ``GOVHUB_PII_KEY`` over the label, which is
exactly RFC 5869 §2.2's HKDF-Extract with the master key as salt and the label as input.
New purposes use the full extract-then-expand form with the label as ``info`` (§3.2). Each
purpose's output is pinned by a test; changing a derivation needs a re-encryption migration.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_LENGTH_BYTES = 32  # SHA-256's output: Fernet's 128-bit signing + 128-bit encryption keys
INFO_PREFIX = b"govhub/"  # RFC 5869 §3.2: info binds the key to this application and purpose


class KeyPurpose(enum.Enum):
    """What a derived key is for. The value is the label; never reuse or rename one."""

    # First derivations (HKDF-Extract form, kept byte for byte: data is stored under them).
    PERSONAL_ID_DIGEST = "personal-id-digest"  # ADR 0008
    PERSONAL_ID_ENCRYPTION = "personal-id-encryption"  # ADR 0008
    OIDC_SIGNING_KEYS = "oidc-signing-keys"  # ADR 0009
    TOTP_SECRET_ENCRYPTION = "totp-secret-encryption"  # noqa: S105 - a label; ADR 0012
    BACKUP_CODE_DIGEST = "backup-code-digest"  # ADR 0012

    @property
    def is_extract_only(self) -> bool:
        return self in _EXTRACT_ONLY


_EXTRACT_ONLY = frozenset({
    KeyPurpose.PERSONAL_ID_DIGEST, KeyPurpose.PERSONAL_ID_ENCRYPTION,
    KeyPurpose.OIDC_SIGNING_KEYS, KeyPurpose.TOTP_SECRET_ENCRYPTION,
    KeyPurpose.BACKUP_CODE_DIGEST,
})


@lru_cache(maxsize=64)
def hkdf_sha256(master_key: str, label: str, *, is_extract_only: bool) -> bytes:
    """RFC 5869 with SHA-256: extract-then-expand with ``label`` as ``info``, or, for the
    first purposes, the extract step alone with the master key as salt."""
    if is_extract_only:
        return HKDF.extract(hashes.SHA256(), master_key.encode(), label.encode())
    return HKDF(algorithm=hashes.SHA256(), length=KEY_LENGTH_BYTES, salt=None,
                info=INFO_PREFIX + label.encode()).derive(master_key.encode())


def derive_key(purpose: KeyPurpose) -> bytes:
    """The 32-byte key for ``purpose`` under the current ``GOVHUB_PII_KEY``."""
    return hkdf_sha256(settings.GOVHUB_PII_KEY, purpose.value,
                       is_extract_only=purpose.is_extract_only)


def fernet(purpose: KeyPurpose) -> Fernet:
    """Authenticated encryption (Fernet: AES-128-CBC + HMAC-SHA256) under ``purpose``'s key."""
    return Fernet(base64.urlsafe_b64encode(derive_key(purpose)))


def keyed_digest(purpose: KeyPurpose, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``purpose``'s key, hex: a digest that finds a stored
    value without storing it, and that nobody without the key can compute."""
    return hmac.new(derive_key(purpose), value.encode(), hashlib.sha256).hexdigest()
