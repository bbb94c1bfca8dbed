"""verify_chain: the tamper evidence the control plane and ``verify-spool`` rely on."""

from __future__ import annotations

from datetime import UTC, datetime

from govhub_contracts.evidence_chain import verify_chain
from govhub_contracts.snapshot import GENESIS_HASH, EvidenceRecord


def chain(gateway: str, count: int, first: int = 1, previous: str = GENESIS_HASH
          ) -> list[EvidenceRecord]:
    records = []
    for sequence in range(first, first + count):
        record = EvidenceRecord(
            gateway=gateway, sequence=sequence, request_id=f"{gateway}-req-{sequence}",
            client="000.00.00.H12/motcua", service="000.00.00.G01/dancu/congdan",
            method="GET", path=f"/r1/000.00.00.G01/dancu/congdan/{sequence}", status=200,
            started_at=datetime(2026, 11, 27, 8, 0, sequence % 60, tzinfo=UTC),
            duration_ms=3.5, previous_hash=previous)
        record = record.model_copy(update={"hash": record.compute_hash()})
        records.append(record)
        previous = record.hash
    return records


def test_an_intact_chain_has_no_break() -> None:
    assert verify_chain(chain("gw-1", 50)) == []


def test_an_altered_record_is_named() -> None:
    records = chain("gw-1", 10)
    records[4] = records[4].model_copy(update={"status": 403})  # content changed, hash kept

    breaks = verify_chain(records)

    assert [(b.sequence, b.request_id) for b in breaks] == [(5, "gw-1-req-5")]
    assert "altered" in breaks[0].reason


def test_an_altered_and_rehashed_record_breaks_the_next_link() -> None:
    records = chain("gw-1", 10)
    forged = records[4].model_copy(update={"status": 403})
    records[4] = forged.model_copy(update={"hash": forged.compute_hash()})

    breaks = verify_chain(records)

    assert [b.sequence for b in breaks] == [6]
    assert "record 5 was altered or removed" in breaks[0].reason


def test_a_deleted_record_is_named_as_a_gap() -> None:
    records = chain("gw-1", 10)
    del records[6]  # sequence 7

    breaks = verify_chain(records)

    assert len(breaks) == 1
    assert breaks[0].sequence == 8
    assert breaks[0].reason == "missing record 7"


def test_deleted_records_at_the_start_and_a_range() -> None:
    records = chain("gw-1", 10)
    kept = records[2:4] + records[7:]

    reasons = [b.reason for b in verify_chain(kept)]

    assert reasons == ["missing records 1–2", "missing records 5–7"]  # noqa: RUF001


def test_a_window_of_the_log_starts_where_it_says() -> None:
    records = chain("gw-1", 10)[4:]  # 5..10, the older records shipped and deleted

    assert verify_chain(records, expected_first_sequence=5) == []
    assert [b.reason for b in verify_chain(records)] == ["missing records 1–4"]  # noqa: RUF001


def test_interleaved_gateways_are_checked_each_on_its_own_chain() -> None:
    first, second = chain("gw-a", 8), chain("gw-b", 8)
    mixed = [record for pair in zip(second, first, strict=True) for record in pair]
    mixed.reverse()  # any order: each chain is sorted by sequence

    assert verify_chain(mixed) == []

    del mixed[mixed.index(second[3])]
    breaks = verify_chain(mixed)
    assert [(b.gateway, b.sequence, b.reason) for b in breaks] == [
        ("gw-b", 5, "missing record 4")]


def test_a_resent_copy_is_harmless_but_a_conflicting_one_is_not() -> None:
    records = chain("gw-1", 5)
    assert verify_chain([*records, records[2]]) == []

    other = chain("gw-1", 5, previous="f" * 64)[2]
    breaks = verify_chain([*records, other])
    assert [b.sequence for b in breaks] == [3]
    assert "two different records" in breaks[0].reason
