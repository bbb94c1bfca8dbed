"""The evidence hash is the same whether the gateway computes it on its hot path (a plain
dict, ``evidence_line``) or the control plane recomputes it from a model rebuilt from
database rows (``EvidenceRecord.compute_hash``): otherwise ``govhub evidence verify`` would
report every record as altered."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from govhub_contracts.evidence_chain import verify_chain
from govhub_contracts.evidence_hash import (
    canonical_datetime,
    canonical_json,
    canonical_ms,
    canonical_timestamp,
)
from govhub_contracts.snapshot import EvidenceRecord
from govhub_gateway.evidence.canonical import encode_record
from govhub_gateway.evidence.spool import EvidenceSpool, list_segments

# Quotes, backslashes, control characters, Vietnamese, astral-plane and ASCII text.
ALPHABET = string.printable + '"\\\x00\x1f\x7fđươàảãạ€𝄞\u2028'


def seeded(seed: int) -> random.Random:
    """Reproducible test data (not secrets)."""
    return random.Random(seed)  # noqa: S311


def text(rng: random.Random, empty_ok: bool = True) -> str:
    size = rng.randint(0 if empty_ok else 1, 40)
    return "".join(rng.choice(ALPHABET) for _ in range(size))


def instant(rng: random.Random) -> datetime:
    moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(
        seconds=rng.randint(0, 10**9), microseconds=rng.choice([0, rng.randint(0, 999_999)]))
    offset = rng.choice([0, 7 * 60, -5 * 60 - 30, 14 * 60])
    return moment.astimezone(timezone(timedelta(minutes=offset)))


def milliseconds(rng: random.Random) -> float:
    return rng.choice([rng.uniform(0, 30_000), rng.randint(0, 5000), 0.0, 1e-7,
                       rng.uniform(0, 1) * 10 ** rng.randint(-3, 6)])


def exchange_fields(rng: random.Random) -> dict[str, Any]:
    """What a policy might hand the spool, within the contract's types."""
    return {
        "request_id": text(rng, empty_ok=False), "client": text(rng), "user_id": text(rng),
        "issue": text(rng), "service": text(rng), "operation": text(rng),
        "method": rng.choice(["GET", "POST", "DELETE"]), "path": "/" + text(rng),
        "status": rng.choice([200, 201, 400, 401, 403, 429, 502, 504]),
        "fault_origin": rng.choice(["", "client", "provider-technical"]),
        "started_at": instant(rng), "duration_ms": milliseconds(rng),
        "upstream_ms": rng.choice([None, milliseconds(rng)]),
        "request_bytes": rng.randint(0, 10**9), "response_bytes": rng.randint(0, 10**9),
        "request_sha256": rng.choice(["", "ab" * 32]), "response_sha256": "",
        "request_body": rng.choice([None, text(rng)]),
        "response_body": rng.choice([None, text(rng)]),
    }


def test_spooled_records_hash_as_models_built_from_the_same_values(tmp_path: Path) -> None:
    rng = seeded(20261128)
    spool = EvidenceSpool(tmp_path, "gw-prop")
    originals = [exchange_fields(rng) for _ in range(400)]
    for fields in originals:
        spool.append(fields)
    spool.close()
    lines = [line for _start, path in list_segments(tmp_path)
             for line in path.read_bytes().splitlines()]
    assert len(lines) == len(originals)
    previous = "0" * 64
    for line, fields in zip(lines, originals, strict=True):
        on_disk = EvidenceRecord.model_validate_json(line)
        # What the control plane does: a model from typed values (a database row), unrounded
        # durations and the instant in whatever zone the driver gives.
        rebuilt = EvidenceRecord(**{**fields, "gateway": "gw-prop",
                                    "sequence": on_disk.sequence, "previous_hash": previous,
                                    "duration_ms": canonical_ms(fields["duration_ms"]),
                                    "upstream_ms": canonical_ms(fields["upstream_ms"])})
        assert on_disk.hash == on_disk.compute_hash() == rebuilt.compute_hash()
        assert on_disk.started_at == fields["started_at"]  # the same instant, in UTC
        assert on_disk.started_at.utcoffset() == timedelta(0)
        previous = on_disk.hash
    assert verify_chain([EvidenceRecord.model_validate_json(line) for line in lines]) == []


def test_the_template_writes_exactly_the_canonical_json() -> None:
    rng = seeded(7)
    for sequence in range(1, 500):
        fields = exchange_fields(rng)
        record = {**fields, "gateway": text(rng), "sequence": sequence,
                  "previous_hash": "f" * 64,
                  "started_at": canonical_datetime(fields["started_at"]),
                  "duration_ms": canonical_ms(fields["duration_ms"]),
                  "upstream_ms": canonical_ms(fields["upstream_ms"])}
        assert encode_record(record) == canonical_json(record)


def test_instants_have_one_spelling_in_utc_with_microseconds() -> None:
    at_zero = datetime(2026, 11, 28, 7, 0, tzinfo=timezone(timedelta(hours=7)))
    assert canonical_datetime(at_zero) == "2026-11-28T00:00:00.000000+00:00"
    assert canonical_datetime(datetime(2026, 11, 28, 0, 0, 0, 5)) == \
        "2026-11-28T00:00:00.000005+00:00"  # naive: taken as UTC
    assert canonical_timestamp(0.25) == "1970-01-01T00:00:00.250000+00:00"


def test_durations_hash_alike_as_int_or_float_and_to_the_microsecond() -> None:
    base = dict(exchange_fields(seeded(1)), gateway="gw", sequence=1,
                previous_hash="0" * 64, upstream_ms=None)
    as_int = EvidenceRecord(**{**base, "duration_ms": 5})
    as_float = EvidenceRecord(**{**base, "duration_ms": 5.0})
    finer = EvidenceRecord(**{**base, "duration_ms": 5.0004})
    other = EvidenceRecord(**{**base, "duration_ms": 5.001})
    assert as_int.compute_hash() == as_float.compute_hash() == finer.compute_hash()
    assert other.compute_hash() != as_float.compute_hash()


def test_an_altered_field_changes_the_hash() -> None:
    base = EvidenceRecord(**dict(exchange_fields(seeded(2)), gateway="gw",
                                 sequence=1, previous_hash="0" * 64))
    for name, value in (("status", 599), ("client", "someone/else"),
                        ("started_at", base.started_at + timedelta(microseconds=1)),
                        ("previous_hash", "1" * 64), ("request_body", "changed")):
        assert base.model_copy(update={name: value}).compute_hash() != base.compute_hash()
