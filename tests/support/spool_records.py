"""Evidence as the policy hands it to the spool, and the records a spool holds on disk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govhub_contracts.snapshot import EvidenceRecord
from govhub_gateway.evidence.spool import list_segments


def exchange(number: int) -> dict[str, Any]:
    """What the policy hands the spool after one exchange."""
    return {"request_id": f"req-{number}", "client": "000.00.00.H12/motcua",
            "service": "000.00.00.G01/dancu/congdan", "operation": "getCitizen",
            "method": "GET", "path": f"/r1/000.00.00.G01/dancu/congdan/{number}",
            "status": 200, "started_at": datetime.now(UTC), "duration_ms": 2.5}


def records_on_disk(directory: Path) -> list[EvidenceRecord]:
    lines = []
    for _start, path in list_segments(directory):
        lines += path.read_bytes().splitlines()
    return [EvidenceRecord.model_validate_json(line) for line in lines]
