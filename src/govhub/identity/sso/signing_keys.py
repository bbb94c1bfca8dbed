"""The OpenID Connect signing keys (identity.SigningKey): their reads and their writes (create
the first, rotate, retire) in one module, because the first read of a new installation
creates its key (:func:`current_signing_jwk`). Writes are audited in one transaction like
every service.

Private keys are stored encrypted (Fernet) under a key derived from GOVHUB_PII_KEY, so a
database dump alone cannot forge ID tokens. The JWKS publishes the current key and every
older key still inside its ``published_until`` window (see :func:`rotate_signing_key`).
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings

from govhub.identity.models import SigningKey
from govhub.identity.people import roles
from govhub.identity.people.services.rules import require_platform_wide
from govhub.kernel.actors import Actor, SystemActor
from govhub.kernel.audit import record_audit
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.key_derivation import KeyPurpose, fernet

RSA_BITS = 2048


def _fernet() -> Fernet:
    return fernet(KeyPurpose.OIDC_SIGNING_KEYS)


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


# --- Writes ------------------------------------------------------------------------------

def _new_key() -> SigningKey:
    key = jwk.JWK.generate(kty="RSA", size=RSA_BITS)
    return SigningKey.objects.create(
        kid=key.thumbprint(),
        private_key_ciphertext=encrypt_private_key(key.export_to_pem(private_key=True,
                                                                     password=None)),
    )


@transaction.atomic
def create_signing_key(*, actor: Actor) -> SigningKey:
    """The first key of an installation (or none if one appeared meanwhile)."""
    existing = SigningKey.objects.select_for_update().filter(deactivated_at__isnull=True).first()
    if existing is not None:
        return existing
    key = _new_key()
    record_audit(actor=actor, action=AuditAction.CREATE, target=key, after={"kid": key.kid})
    return key


@transaction.atomic
def rotate_signing_key(*, actor: Actor) -> SigningKey:
    """A new key signs from now on; the old one stays in the JWKS until every ID token it
    signed has expired (ID_TOKEN_EXPIRE_SECONDS), so relying parties never meet a token
    whose key they cannot find."""
    require_platform_wide(actor, roles.MANAGE_ACCOUNT)
    now = timezone.now()
    keep_until = now + timedelta(seconds=oauth2_settings.ID_TOKEN_EXPIRE_SECONDS)
    retiring = list(SigningKey.objects.select_for_update().filter(deactivated_at__isnull=True))
    for old in retiring:
        old.deactivated_at, old.published_until = now, keep_until
        old.save(update_fields=["deactivated_at", "published_until", "updated_at"])
    key = _new_key()
    record_audit(actor=actor, action=AuditAction.CREATE, target=key,
                 before={"active": [k.kid for k in retiring]}, after={"active": key.kid})
    return key


@transaction.atomic
def retire_signing_keys(*, actor: Actor) -> list[str]:
    """Destroy the private part of keys no longer published (nothing can be signed or
    verified with them any more). Returns their key ids."""
    require_platform_wide(actor, roles.MANAGE_ACCOUNT)
    expired = SigningKey.objects.filter(deactivated_at__isnull=False,
                                        published_until__lte=timezone.now())
    kids = list(expired.values_list("kid", flat=True))
    for kid in kids:
        record_audit(actor=actor, action=AuditAction.DELETE, target_type="identity.signingkey",
                     target_label=kid, before={"kid": kid})
    expired.delete()
    return kids
