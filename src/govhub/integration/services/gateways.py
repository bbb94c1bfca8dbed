"""Gateways: registration and token rotation (platform-wide), and what a gateway reports —
heartbeats and its evidence log. Gateway tokens are ``ghg_`` + 32 random bytes, stored as
SHA-256 and shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.identity.people import roles
from govhub.identity.people.services.rules import require_platform_wide
from govhub.integration.models import EvidenceRecord, Gateway
from govhub.integration.services.checkpoints import is_checkpoint_due
from govhub.integration.tasks import write_evidence_checkpoints
from govhub.kernel import problems
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.errors import DomainError
from govhub_contracts import snapshot as contract

EVIDENCE_FIELDS = tuple(contract.EvidenceRecord.model_fields)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return contract.GATEWAY_TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def register_gateway(*, actor: Actor, code: str, name: str,
                     admin_url: str = "") -> tuple[Gateway, str]:
    """A gateway serves every agency's traffic, so only a platform-wide operator adds one."""
    require_platform_wide(actor, roles.OPERATE_INTEGRATION)
    token = _new_token()
    gateway = Gateway(code=code, name=name, admin_url=admin_url, token_sha256=hash_token(token))
    gateway.full_clean()
    gateway.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=gateway,
                 after=snapshot(gateway))
    return gateway, token


@transaction.atomic
def rotate_gateway_token(*, actor: Actor, gateway: Gateway) -> str:
    require_platform_wide(actor, roles.OPERATE_INTEGRATION)
    gateway = Gateway.objects.select_for_update().get(pk=gateway.pk)
    token = _new_token()
    gateway.token_sha256 = hash_token(token)
    gateway.save(update_fields=["token_sha256", "updated_at"])
    record_audit(actor=actor, action=AuditAction.UPDATE, target=gateway,
                 after={"token": "rotated"})
    return token


def _evidence_heads(heartbeat: contract.Heartbeat, now: datetime) -> dict[str, Any]:
    """The gateway's evidence heads, kept as the anchor `govhub evidence verify` checks the
    stored log against (ADR 0016); a heartbeat without them (an older gateway) keeps the last
    ones reported."""
    head, shipped = heartbeat.evidence_head, heartbeat.evidence_shipped
    if head is None or shipped is None:
        return {}
    return {"evidence_head_sequence": head.sequence, "evidence_head_hash": head.hash,
            "evidence_shipped_sequence": shipped.sequence,
            "evidence_shipped_hash": shipped.hash, "evidence_reported_at": now}


@transaction.atomic
def record_heartbeat(*, gateway: Gateway, heartbeat: contract.Heartbeat) -> Gateway:
    """Telemetry, not a decision: kept on the gateway row, not in the audit log (one row
    every 10 s per gateway would drown it). Heartbeats are also the clock of the evidence
    checkpoints."""
    now = timezone.now()
    Gateway.objects.filter(pk=gateway.pk).update(
        last_heartbeat_at=now, software_version=heartbeat.software_version[:64],
        snapshot_version=heartbeat.snapshot_version,
        snapshot_revision=heartbeat.snapshot_revision or "", started_at=heartbeat.started_at,
        spooled_evidence=max(heartbeat.spooled_evidence, 0),
        **_evidence_heads(heartbeat, now))
    if is_checkpoint_due(gateway.code):
        write_evidence_checkpoints.enqueue(gateway.code)
    gateway.refresh_from_db()
    return gateway


def evidence_row(record: contract.EvidenceRecord) -> EvidenceRecord:
    return EvidenceRecord(**record.model_dump())


def evidence_contract(row: EvidenceRecord) -> contract.EvidenceRecord:
    return contract.EvidenceRecord(**{name: getattr(row, name) for name in EVIDENCE_FIELDS})


@transaction.atomic
def store_evidence(*, gateway: Gateway,
                   batch: contract.EvidenceBatch) -> tuple[int, int | None]:
    """Store a batch; returns (records of the batch now held, highest sequence held).

    Idempotent, because a gateway resends a batch whose acknowledgement it lost: a record
    already held with the same hash is skipped. The same (gateway, sequence) with another
    hash is a conflict — the evidence is never overwritten — and nothing of the batch is
    stored."""
    sequences = [r.sequence for r in batch.records]
    held = dict(EvidenceRecord.objects.filter(gateway=gateway.code, sequence__in=sequences)
                .values_list("sequence", "hash"))
    new_rows = []
    for record in batch.records:
        if record.gateway != gateway.code:
            raise DomainError(problems.PERMISSION_DENIED,
                              _("A record names another gateway (%(code)s).")
                              % {"code": record.gateway})
        if record.sequence in held:
            if held[record.sequence] != record.hash:
                raise DomainError(problems.CONFLICT, _(
                    "Sequence %(sequence)d is already stored with a different hash.")
                    % {"sequence": record.sequence})
            continue
        held[record.sequence] = record.hash
        new_rows.append(evidence_row(record))
    EvidenceRecord.objects.bulk_create(new_rows)
    last = (EvidenceRecord.objects.filter(gateway=gateway.code).order_by("-sequence")
            .values_list("sequence", flat=True).first())
    return len(batch.records), last
