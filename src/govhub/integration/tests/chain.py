"""Building evidence chains the way a gateway does (hash over the previous hash and every
other field, ``govhub_contracts.snapshot.EvidenceRecord.compute_hash``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from govhub_contracts.snapshot import GENESIS_HASH, EvidenceRecord


def make_chain(gateway: str, count: int, start: int = 1,
               previous_hash: str = GENESIS_HASH) -> list[EvidenceRecord]:
    records = []
    started = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    for sequence in range(start, start + count):
        record = EvidenceRecord(
            gateway=gateway, sequence=sequence, request_id=f"req-{sequence}",
            client="000.00.00.H12/mot-cua", service="000.00.00.H12/dat-dai/thua-dat",
            operation="getParcel", method="GET", path=f"/parcels/{sequence}", status=200,
            started_at=started + timedelta(seconds=sequence), duration_ms=12.5,
            upstream_ms=10.25, request_bytes=0, response_bytes=321,
            response_sha256="ab" * 32, previous_hash=previous_hash)
        record = record.model_copy(update={"hash": record.compute_hash()})
        records.append(record)
        previous_hash = record.hash
    return records
