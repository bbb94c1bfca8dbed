"""The spool on the event loop: the records of one loop turn reach the OS together at the
end of that turn, rotation and fsync happen off the loop, and a failed batch write leaves
a chain that still verifies."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path
from typing import Any

import pytest

from govhub_contracts.snapshot import EvidenceRecord
from govhub_gateway.evidence.spool import EvidenceSpool, list_segments, verify_spool
from tests.support.spool_records import exchange, records_on_disk


class WriteCounter:
    """Wraps ``os.write``/``os.fsync`` to count the calls made with the spool's files."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writes = 0
        self.fsyncs = 0
        real_write, real_fsync = os.write, os.fsync

        def write(fd: int, data: Any) -> int:
            self.writes += 1
            return real_write(fd, data)

        def fsync(fd: int) -> None:
            self.fsyncs += 1
            real_fsync(fd)

        monkeypatch.setattr(os, "write", write)
        monkeypatch.setattr(os, "fsync", fsync)


def lines_on_disk(directory: Path) -> int:
    return sum(path.read_bytes().count(b"\n") for _start, path in list_segments(directory))


def test_one_loop_turn_of_records_is_one_write_at_the_end_of_the_turn(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    counter = WriteCounter(monkeypatch)

    async def exchanges_completing_in_one_turn() -> tuple[int, int]:
        for number in range(20):
            spool.append(exchange(number))
        before = lines_on_disk(tmp_path)
        await asyncio.sleep(0)  # the loop turn ends
        await asyncio.sleep(0)
        return before, lines_on_disk(tmp_path)

    before, after = asyncio.run(exchanges_completing_in_one_turn())
    assert (before, after) == (0, 20)
    assert counter.writes == 1
    assert counter.fsyncs == 0  # durability in groups: the flusher's job
    assert spool.last_sequence == 20
    spool.close()
    assert verify_spool(tmp_path) == (20, [])


def test_rotation_does_not_fsync_on_the_loop_the_flusher_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1", max_segment_bytes=1500)
    counter = WriteCounter(monkeypatch)
    for number in range(12):
        spool.append_record(exchange(number))
    assert len(list_segments(tmp_path)) > 2
    assert counter.fsyncs == 0

    spool.flush()  # what run_flusher does in a worker thread
    # Each finished segment, the current one, and the directory holding the new names.
    assert counter.fsyncs >= len(list_segments(tmp_path)) + 1
    spool.close()
    assert verify_spool(tmp_path) == (12, [])
    assert [r.sequence for r in records_on_disk(tmp_path)] == list(range(1, 13))


def test_a_failed_batch_write_drops_that_batch_and_the_chain_continues(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    kept = spool.append_record(exchange(1))
    real_write = os.write

    def disk_full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    async def a_turn_that_cannot_be_written() -> None:
        monkeypatch.setattr(os, "write", disk_full)
        for number in range(2, 5):
            spool.append(exchange(number))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        monkeypatch.setattr(os, "write", real_write)

    asyncio.run(a_turn_that_cannot_be_written())
    assert "evidence spool write failed" in caplog.text
    assert spool.last_sequence == 1  # the lost records took no sequence numbers
    after = spool.append_record(exchange(5))
    spool.close()
    assert (after.sequence, after.previous_hash) == (2, kept.hash)
    assert verify_spool(tmp_path) == (2, [])


def test_fields_that_are_not_the_records_are_refused(tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    with pytest.raises(ValueError, match="sttus"):
        spool.append({**exchange(1), "sttus": 200})
    with pytest.raises(ValueError, match="request_id"):
        spool.append({k: v for k, v in exchange(1).items() if k != "request_id"})
    spool.close()
    assert spool.last_sequence == 0
    assert verify_spool(tmp_path) == (0, [])


def test_append_record_returns_exactly_what_was_written(tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    record = spool.append_record({**exchange(1), "duration_ms": 2.34567, "upstream_ms": 1})
    spool.close()
    (on_disk,) = records_on_disk(tmp_path)
    assert on_disk == record
    assert (record.duration_ms, record.upstream_ms) == (2.346, 1.0)  # microseconds kept
    assert record.hash == EvidenceRecord.model_validate(record.model_dump()).compute_hash()
