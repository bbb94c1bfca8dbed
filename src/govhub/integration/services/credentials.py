"""Consumers' credentials: API keys, OAuth 2 client-credentials clients, mTLS certificates.

API keys are ``ghk_{key_id}_{secret}`` with a 32-byte random secret, stored as SHA-256 only
(a fast hash is enough for a secret nobody can guess, ADR 0013) and shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.identity.sso.services import clients
from govhub.integration.models import ApiKey, Certificate, OAuthBinding, System
from govhub.integration.services.scope import agency_id, require_operator
from govhub.integration.snapshots import publish_snapshot_on_commit
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub_contracts.snapshot import API_KEY_PREFIX


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_key(system: System, label: str, expires_at: datetime | None) -> tuple[ApiKey, str]:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(system=system, key_id=key_id, secret_sha256=hash_secret(secret), label=label,
                 expires_at=expires_at)
    key.full_clean()
    key.save()
    return key, f"{API_KEY_PREFIX}{key_id}_{secret}"


def _audit_key(actor: Actor, key: ApiKey, action: str, **extra: Any) -> None:
    record_audit(actor=actor, action=action, target=key, after={**snapshot(key), **extra},
                 agency_id=agency_id(key.system.scope_agency))


@transaction.atomic
def issue_api_key(*, actor: Actor, system: System, label: str = "",
                  expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """The key and the full token in clear, to be shown once."""
    require_operator(actor, system.scope_agency)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    key, token = _new_key(system, label, expires_at)
    _audit_key(actor, key, AuditAction.CREATE)
    publish_snapshot_on_commit("API key issued")
    return key, token


@transaction.atomic
def revoke_api_key(*, actor: Actor, key: ApiKey, at: datetime | None = None) -> ApiKey:
    key = ApiKey.objects.select_for_update().select_related("system__member").get(pk=key.pk)
    require_operator(actor, key.system.scope_agency)
    if key.revoked_at is None or (at is not None and key.revoked_at > at):
        key.revoked_at = at or timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        _audit_key(actor, key, AuditAction.UPDATE)
        publish_snapshot_on_commit("API key revoked")
    return key


@transaction.atomic
def rotate_api_key(*, actor: Actor, key: ApiKey,
                   overlap: timedelta = timedelta(0)) -> tuple[ApiKey, str]:
    """A new key for the same system; the old one stops working after ``overlap`` (zero: at
    once), so a consumer can switch without an outage."""
    key = ApiKey.objects.select_for_update().select_related("system__member").get(pk=key.pk)
    require_operator(actor, key.system.scope_agency)
    if key.revoked_at is not None and key.revoked_at <= timezone.now():
        raise ValidationError(_("This key is already revoked; issue a new one instead."))
    new_key, token = _new_key(key.system, key.label, key.expires_at)
    _audit_key(actor, new_key, AuditAction.CREATE, replaces=key.key_id)
    revoke_api_key(actor=actor, key=key, at=timezone.now() + overlap)
    return new_key, token


@transaction.atomic
def bind_oauth_client(*, actor: Actor, system: System, client: Any) -> OAuthBinding:
    """Let an identity client (client credentials, confidential) call as ``system``."""
    require_operator(actor, system.scope_agency)
    if client.authorization_grant_type != client.GRANT_CLIENT_CREDENTIALS or client.is_public:
        raise ValidationError({"client": _(
            "Only a confidential client using the client-credentials grant can act as a "
            "system.")})
    binding = OAuthBinding(system=system, client=client)
    binding.full_clean()
    binding.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=binding,
                 after=snapshot(binding), agency_id=agency_id(system.scope_agency))
    publish_snapshot_on_commit("OAuth client bound")
    return binding


@transaction.atomic
def create_oauth_client(*, actor: Actor, system: System, name: str) -> tuple[OAuthBinding, str]:
    """Register a new client-credentials client in the system's agency (identity's service:
    needs ``identity.manage_agency`` there too) and bind it. Returns the secret, shown once."""
    agency = system.scope_agency
    require_operator(actor, agency)
    if agency is None:
        raise ValidationError(_("A client needs an owning agency; this system has none."))
    client, secret = clients.register_system_client(actor=actor, agency=agency, name=name)
    return bind_oauth_client(actor=actor, system=system, client=client), secret


def read_certificate(pem: str) -> tuple[str, str, datetime]:
    """SHA-256 fingerprint of the DER (RFC 8705 §3.1 ``x5t#S256`` is the same digest),
    subject and expiry of a PEM certificate; a Vietnamese error for anything else."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.strip().encode())
    except ValueError as exc:
        raise ValidationError({"pem": _("This is not a PEM certificate (-----BEGIN "
                                        "CERTIFICATE----- …).")}) from exc
    from cryptography.hazmat.primitives.serialization import Encoding

    fingerprint = hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()
    return fingerprint, certificate.subject.rfc4514_string(), certificate.not_valid_after_utc


@transaction.atomic
def bind_certificate(*, actor: Actor, system: System, pem: str) -> Certificate:
    require_operator(actor, system.scope_agency)
    fingerprint, subject, not_after = read_certificate(pem)
    if not_after <= timezone.now():
        raise ValidationError({"pem": _("This certificate has already expired.")})
    if Certificate.objects.filter(sha256_fingerprint=fingerprint).exists():
        raise ValidationError({"pem": _("This certificate is already bound to a system.")})
    certificate = Certificate.objects.create(system=system, sha256_fingerprint=fingerprint,
                                             subject=subject[:500], not_after=not_after)
    record_audit(actor=actor, action=AuditAction.CREATE, target=certificate,
                 after=snapshot(certificate), agency_id=agency_id(system.scope_agency))
    publish_snapshot_on_commit("certificate bound")
    return certificate


@transaction.atomic
def revoke_certificate(*, actor: Actor, certificate: Certificate) -> Certificate:
    certificate = Certificate.objects.select_for_update().select_related(
        "system__member").get(pk=certificate.pk)
    require_operator(actor, certificate.system.scope_agency)
    if certificate.revoked_at is None:
        certificate.revoked_at = timezone.now()
        certificate.save(update_fields=["revoked_at", "updated_at"])
        record_audit(actor=actor, action=AuditAction.UPDATE, target=certificate,
                     after=snapshot(certificate),
                     agency_id=agency_id(certificate.system.scope_agency))
        publish_snapshot_on_commit("certificate revoked")
    return certificate
