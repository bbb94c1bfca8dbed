"""Checking each gateway's evidence chain as stored in the database (exchange contract §10:
a tamper-evident log), with the contract's own checker
(``govhub_contracts.evidence_chain.verify_chain``, shared with the gateway's spool check) run
over the rows rebuilt as wire records — so an edited column fails its record's hash.

A hash chain alone cannot show what happened at its end: remove the newest records, or alter
one and recompute every hash after it, and what is left is a valid chain. So the stored log
is also compared with anchors kept outside it (ADR 0016): the last record the gateway
reports as acknowledged in its heartbeats (its spool knows it, the database does not decide
it), and the signed checkpoints. Every anchor's record must be stored with the anchor's hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from govhub.integration import evidence_signing
from govhub.integration.models import EvidenceCheckpoint, EvidenceRecord, Gateway
from govhub.integration.services.gateways import evidence_contract
from govhub_contracts.evidence_chain import ChainBreak, verify_chain

BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class Anchor:
    """A record the log must hold: its sequence and hash, and who says so."""

    sequence: int
    hash: str
    source: str


def _anchors(gateway: str) -> tuple[list[Anchor], list[ChainBreak]]:
    anchors, breaks = [], []
    reported = Gateway.objects.filter(code=gateway).values_list(
        "evidence_shipped_sequence", "evidence_shipped_hash", "evidence_reported_at").first()
    sequence, record_hash, at = reported or (None, "", None)
    if sequence:  # None before the first heartbeat with heads, 0 before the first record
        anchors.append(Anchor(sequence, record_hash,
                              f"the gateway's heartbeat of {at:%Y-%m-%d %H:%M:%S} UTC"))
    for checkpoint in EvidenceCheckpoint.objects.filter(gateway=gateway).order_by("sequence"):
        when = f"{checkpoint.signed_at:%Y-%m-%d %H:%M:%S} UTC"
        signed = evidence_signing.signed_bytes(gateway, checkpoint.sequence, checkpoint.hash,
                                               checkpoint.signed_at)
        if not evidence_signing.is_valid(signed, checkpoint.signature, checkpoint.key_id):
            breaks.append(ChainBreak(checkpoint.sequence, gateway, "",
                                     f"the checkpoint of {when} has no valid signature"))
            continue
        anchors.append(Anchor(checkpoint.sequence, checkpoint.hash,
                              f"the signed checkpoint of {when}"))
    return anchors, breaks


def compare_with_anchors(gateway: str, stored: dict[int, str],
                         anchors: list[Anchor]) -> list[ChainBreak]:
    """Breaks between the stored hashes (by sequence) and the anchors: a missing tail, and
    anchored records whose hash differs (named with the range that must have been rewritten:
    after the last anchor that still matches)."""
    breaks = []
    last_stored = max(stored, default=0)
    furthest = max(anchors, key=lambda anchor: anchor.sequence, default=None)
    if furthest is not None and furthest.sequence > last_stored:
        first = last_stored + 1
        span = (f"record {first}" if first == furthest.sequence
                else f"records {first}–{furthest.sequence}")  # noqa: RUF001
        breaks.append(ChainBreak(first, gateway, "", (
            f"missing {span} at the end of the log: {furthest.source} names record "
            f"{furthest.sequence}")))
    confirmed = 0
    for anchor in sorted(anchors, key=lambda anchor: anchor.sequence):
        held = stored.get(anchor.sequence)
        if held is None:
            continue  # a missing tail (above) or a gap (the chain check) says so already
        if held == anchor.hash:
            confirmed = max(confirmed, anchor.sequence)
            continue
        breaks.append(ChainBreak(anchor.sequence, gateway, "", (
            f"altered: record {anchor.sequence} does not match {anchor.source}; a record "
            f"among {confirmed + 1}–{anchor.sequence} was changed and the hashes after it "  # noqa: RUF001
            f"recomputed")))
    return breaks


def check_gateway(gateway: str) -> tuple[int, list[ChainBreak]]:
    # The anchors are read first: whatever they name was stored before they were written.
    anchors, breaks = _anchors(gateway)
    rows = EvidenceRecord.objects.filter(gateway=gateway).order_by("sequence").iterator(
        chunk_size=BATCH_SIZE)
    records = [evidence_contract(row) for row in rows]
    breaks = verify_chain(records) + breaks
    breaks += compare_with_anchors(gateway, {r.sequence: r.hash for r in records}, anchors)
    return len(records), breaks


def verify_all(gateway: str | None = None) -> tuple[int, list[ChainBreak]]:
    if gateway:
        codes = [gateway]
    else:
        codes = sorted(
            set(EvidenceRecord.objects.order_by().values_list("gateway", flat=True).distinct())
            | set(Gateway.objects.filter(evidence_shipped_sequence__gt=0)
                  .values_list("code", flat=True))
            | set(EvidenceCheckpoint.objects.order_by().values_list("gateway", flat=True)
                  .distinct()))
    total, breaks = 0, []
    for code in codes:
        count, found = check_gateway(code)
        total += count
        breaks.extend(found)
    return total, breaks
