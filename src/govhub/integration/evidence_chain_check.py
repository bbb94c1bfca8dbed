"""Checking each gateway's evidence chain as stored in the database (exchange contract §10:
a tamper-evident log), with the contract's own checker
(``govhub_contracts.evidence_chain.verify_chain``, shared with the gateway's spool check) run
over the rows rebuilt as wire records — so an edited column fails its record's hash."""

from __future__ import annotations

from govhub.integration.models import EvidenceRecord
from govhub.integration.services.gateways import evidence_contract
from govhub_contracts.evidence_chain import ChainBreak, verify_chain

BATCH_SIZE = 2000


def check_gateway(gateway: str) -> tuple[int, list[ChainBreak]]:
    rows = EvidenceRecord.objects.filter(gateway=gateway).order_by("sequence").iterator(
        chunk_size=BATCH_SIZE)
    records = [evidence_contract(row) for row in rows]
    return len(records), verify_chain(records)


def verify_all(gateway: str | None = None) -> tuple[int, list[ChainBreak]]:
    codes = [gateway] if gateway else sorted(
        EvidenceRecord.objects.order_by().values_list("gateway", flat=True).distinct())
    total, breaks = 0, []
    for code in codes:
        count, found = check_gateway(code)
        total += count
        breaks.extend(found)
    return total, breaks
