"""The evidence spool: chained records on disk that survive restarts and crashes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from govhub_contracts.snapshot import GENESIS_HASH
from govhub_gateway.evidence.spool import EvidenceSpool, list_segments, verify_spool
from tests.support.spool_records import exchange, records_on_disk


def test_append_chains_and_writes_one_line_per_exchange(tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    first = spool.append_record(exchange(1))
    second = spool.append_record(exchange(2))
    spool.close()

    on_disk = records_on_disk(tmp_path)
    assert on_disk == [first, second]
    assert (first.gateway, first.sequence, first.previous_hash) == ("gw-1", 1, GENESIS_HASH)
    assert (second.sequence, second.previous_hash) == (2, first.hash)
    assert all(record.hash == record.compute_hash() for record in on_disk)
    assert verify_spool(tmp_path) == (2, [])


def test_the_chain_continues_across_a_restart(tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    for number in range(3):
        spool.append_record(exchange(number))
    spool.close()

    reopened = EvidenceSpool(tmp_path, "gw-1")
    fourth = reopened.append_record(exchange(4))
    reopened.close()

    assert fourth.sequence == 4
    assert fourth.previous_hash == records_on_disk(tmp_path)[2].hash
    assert verify_spool(tmp_path) == (4, [])
    assert reopened.pending_count() == 4  # nothing shipped yet


def test_a_torn_last_line_is_dropped_and_the_chain_continues(tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    for number in range(3):
        spool.append_record(exchange(number))
    spool.close()
    (_start, segment), = list_segments(tmp_path)
    intact_size = segment.stat().st_size
    with segment.open("ab") as stream:  # a crash in the middle of writing record 4
        stream.write(b'{"gateway": "gw-1", "sequence": 4, "request_id": "req-')

    reopened = EvidenceSpool(tmp_path, "gw-1")
    assert reopened.last_sequence == 3
    assert segment.stat().st_size == intact_size
    assert reopened.append_record(exchange(4)).sequence == 4
    reopened.close()
    assert verify_spool(tmp_path) == (4, [])


CRASHING_WRITER = """
import sys, time
from datetime import UTC, datetime
from govhub_gateway.evidence.spool import EvidenceSpool
spool = EvidenceSpool(sys.argv[1], "gw-1")
for number in range(250):
    spool.append({"request_id": f"req-{number}", "client": "a/b", "service": "c/d/e",
                  "method": "GET", "path": "/", "status": 200,
                  "started_at": datetime.now(UTC), "duration_ms": 1.0})
print("appended", flush=True)
time.sleep(60)  # deliberate: stay alive until the test kills this process
"""


def test_records_survive_a_sigkill_right_after_append_returned(tmp_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", CRASHING_WRITER, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "appended"
        writer.send_signal(signal.SIGKILL)  # no close(), no fsync, no atexit
    finally:
        writer.kill()
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL

    assert verify_spool(tmp_path) == (250, [])
    assert EvidenceSpool(tmp_path, "gw-1").last_sequence == 250


def test_shipped_segments_are_deleted_and_the_cursor_survives_restart(tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1", max_segment_bytes=1500)
    for number in range(20):
        spool.append_record(exchange(number))
    segments_before = len(list_segments(tmp_path))
    assert segments_before > 3

    batch = spool.pending(7)
    assert [record.sequence for record in batch.records] == list(range(1, 8))
    assert spool.pending_count() == 20  # reading does not ship
    spool.mark_shipped(batch)
    assert spool.pending_count() == 13
    assert json.loads((tmp_path / "cursor.json").read_text())["sequence"] == 7
    remaining = list_segments(tmp_path)
    assert len(remaining) < segments_before
    assert remaining[0][0] <= 8  # the segment holding record 8 is kept
    spool.close()

    reopened = EvidenceSpool(tmp_path, "gw-1", max_segment_bytes=1500)
    assert reopened.pending_count() == 13
    rest = reopened.pending(500)
    assert [record.sequence for record in rest.records] == list(range(8, 21))
    reopened.mark_shipped(rest)
    assert reopened.append_record(exchange(21)).previous_hash == rest.records[-1].hash
    reopened.close()
    assert verify_spool(tmp_path)[1] == []


def test_the_chain_continues_from_the_cursor_when_every_record_was_shipped(
        tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    spool.append_record(exchange(1))
    last = spool.append_record(exchange(2))
    spool.mark_shipped(spool.pending(10))
    spool.close()
    for _start, path in list_segments(tmp_path):  # as if an operator cleaned the spool up
        path.unlink()

    reopened = EvidenceSpool(tmp_path, "gw-1")
    third = reopened.append_record(exchange(3))
    reopened.close()
    assert (third.sequence, third.previous_hash) == (3, last.hash)


def test_verify_spool_command_reports_a_tampered_record(tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    for number in range(5):
        spool.append_record(exchange(number))
    spool.close()
    command = [sys.executable, "-m", "govhub_gateway", "verify-spool", str(tmp_path)]

    intact = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert (intact.returncode, intact.stdout.strip()) == (0, "OK: 5 records")

    (_start, segment), = list_segments(tmp_path)
    lines = segment.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[2])
    record["status"] = 500  # someone rewrites history
    lines[2] = (json.dumps(record) + "\n").encode()
    segment.write_bytes(b"".join(lines))

    tampered = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert tampered.returncode == 1
    assert "gw-1 #3" in tampered.stdout
    assert "altered" in tampered.stdout


def test_append_after_close_is_refused(tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw-1")
    spool.close()
    # Fail loudly rather than pretend a record was kept.
    with pytest.raises(RuntimeError, match="closed"):
        spool.append_record(exchange(1))
    assert list_segments(tmp_path) == []


DISK_FULL_WRITER = """
import resource, signal, sys
from datetime import UTC, datetime
from govhub_gateway.evidence.spool import EvidenceSpool
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a full file system: write() fails, no signal
spool = EvidenceSpool(sys.argv[1], "gw-1")
def append(number):
    spool.append({"request_id": f"req-{number}", "client": "a/b", "service": "c/d/e",
                  "method": "GET", "path": "/", "status": 200,
                  "started_at": datetime.now(UTC), "duration_ms": 1.0})
append(1)
resource.setrlimit(resource.RLIMIT_FSIZE, (1500, resource.RLIM_INFINITY))
failed_at = None
for number in range(2, 10):
    try:
        append(number)
    except OSError:
        failed_at = number
        break
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
append(100)  # the disk has room again
spool.close()
print(failed_at, spool.last_sequence)
"""


def test_a_failed_write_leaves_no_partial_line_behind(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", DISK_FULL_WRITER, str(tmp_path)],
                            capture_output=True, text=True, timeout=60, check=True)
    failed_at, last_sequence = (int(value) for value in result.stdout.split())
    assert 2 < failed_at < 10  # some records fitted, then the write failed part-way
    assert last_sequence == failed_at  # the failed record took no sequence number
    assert verify_spool(tmp_path) == (failed_at, [])  # no torn line in the middle
