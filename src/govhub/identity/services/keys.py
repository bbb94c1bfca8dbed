"""Writes of OpenID Connect signing keys: create the first, rotate, retire (issue 3 §1)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings

from govhub.identity import roles
from govhub.identity.models import SigningKey
from govhub.identity.services.rules import require_platform_wide
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit
from govhub.kernel.audit_actions import AuditAction

RSA_BITS = 2048


def _new_key() -> SigningKey:
    from govhub.identity.signing_keys import encrypt_private_key

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
