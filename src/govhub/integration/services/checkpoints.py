"""Signed checkpoints of the evidence log (ADR 0016): every few minutes, for each gateway
whose log grew, a statement signed with the control plane's checkpoint key that its chain
held the newest stored record, with that hash, at that time. ``govhub evidence verify``
compares the stored records with them, so a rewritten or truncated log no longer passes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from govhub.identity.people import roles
from govhub.identity.people.services.rules import require_platform_wide
from govhub.integration import evidence_signing
from govhub.integration.models import EvidenceCheckpoint, EvidenceRecord
from govhub.kernel.audit import record_audit
from govhub.kernel.audit_actions import AuditAction

# Heartbeats (every 10 s) ask for a checkpoint at most this often per gateway: the newest
# records a checkpoint does not cover yet are still covered by the gateway's own head.
CHECKPOINT_INTERVAL_SECONDS = 300


def is_checkpoint_due(gateway: str) -> bool:
    """Has ``gateway``'s log grown past its last checkpoint, made over the interval ago?"""
    last = (EvidenceCheckpoint.objects.filter(gateway=gateway).order_by("-sequence")
            .values_list("sequence", "signed_at").first())
    if last is not None and last[1] > timezone.now() - timedelta(
            seconds=CHECKPOINT_INTERVAL_SECONDS):
        return False
    newest = (EvidenceRecord.objects.filter(gateway=gateway).order_by("-sequence")
              .values_list("sequence", flat=True).first())
    return newest is not None and (last is None or newest > last[0])


@transaction.atomic
def write_evidence_checkpoints(*, actor: Any,
                               gateway: str | None = None) -> list[EvidenceCheckpoint]:
    """A checkpoint of the newest stored record of ``gateway`` (of every gateway if None)
    unless one already covers it."""
    require_platform_wide(actor, roles.OPERATE_INTEGRATION)
    newest = EvidenceRecord.objects.order_by().values("gateway").annotate(last=Max("sequence"))
    if gateway is not None:
        newest = newest.filter(gateway=gateway)
    written = []
    for row in newest:
        code, sequence = row["gateway"], row["last"]
        if EvidenceCheckpoint.objects.filter(gateway=code, sequence=sequence).exists():
            continue
        record_hash = EvidenceRecord.objects.get(gateway=code, sequence=sequence).hash
        signed_at = timezone.now()
        checkpoint = EvidenceCheckpoint.objects.create(
            gateway=code, sequence=sequence, hash=record_hash, signed_at=signed_at,
            key_id=evidence_signing.key_id(),
            signature=evidence_signing.sign(evidence_signing.signed_bytes(
                code, sequence, record_hash, signed_at)))
        record_audit(actor=actor, action=AuditAction.CREATE, target=checkpoint,
                     after={"gateway": code, "sequence": sequence, "hash": record_hash})
        written.append(checkpoint)
    return written
