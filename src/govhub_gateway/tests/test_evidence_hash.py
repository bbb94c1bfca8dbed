"""The evidence hash is the same whether the gateway computes it on its hot path (a plain
dict, ``evidence_line``) or the control plane recomputes it from a model rebuilt from
database rows (``EvidenceRecord.compute_hash``): otherwise ``govhub evidence verify`` would
report every record as altered."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

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
from tests.support.evidence_values import exchange_fields, seeded, text


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
