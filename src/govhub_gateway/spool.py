"""The durable local evidence spool: one hash-chained record per exchange, kept on the
gateway's disk until the control plane has stored it (architecture.md: "a control-plane
outage loses nothing"; exchange contract §10, tamper-evident evidence log).

Layout of the spool directory::

    evidence-000000000001.jsonl   segment: one EvidenceRecord JSON per line, named by the
    evidence-000000004212.jsonl   sequence of its first record; rotated by size
    cursor.json                   the last shipped record (sequence and hash)

Durability choice. ``append`` runs on the gateway's hot path after every exchange, so it
must cost microseconds, not an fsync (milliseconds on most disks). It therefore writes the
line with one ``os.write`` to a file descriptor opened with ``O_APPEND``: once ``append``
returns, the line is in the kernel's page cache and survives a crash (or SIGKILL) of the
gateway process. The data reaches the disk in groups: :meth:`EvidenceSpool.run_flusher`
calls ``fsync`` every ``flush_interval_seconds`` (200 ms by default, off the event loop),
and :meth:`close` does so on shutdown. A power loss or kernel crash can therefore lose at
most the last group (≤ 200 ms of exchanges); the torn or zero-filled tail it may leave is
dropped on restart and the chain continues from the last intact record.

Segments rotate at ``max_segment_bytes`` and are deleted only once every record in them has
been shipped (the cursor is on disk before any segment is removed), so the chain's state is
always recoverable from the newest segment or, failing that, from the cursor.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from govhub_contracts.evidence_chain import ChainBreak, verify_chain
from govhub_contracts.snapshot import GENESIS_HASH, EvidenceRecord

logger = logging.getLogger(__name__)

SEGMENT_PATTERN = re.compile(r"^evidence-(\d{12})\.jsonl$")
CURSOR_NAME = "cursor.json"
DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024


def segment_name(first_sequence: int) -> str:
    return f"evidence-{first_sequence:012d}.jsonl"


def list_segments(directory: Path) -> list[tuple[int, Path]]:
    """The spool's segments as (first sequence, path), oldest first."""
    found = []
    for path in directory.iterdir():
        match = SEGMENT_PATTERN.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a crash leaves the old or the new content, never a mix:
    a temporary file, fsync, rename over the target, fsync of the directory (POSIX rename
    is atomic; the directory fsync makes the rename itself durable)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a created or renamed name durable (POSIX: fsync of the file does not cover its
    directory entry)."""
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_records(path: Path) -> Iterator[tuple[EvidenceRecord, int]]:
    """The intact records of one segment with the byte offset just after each; stops at the
    first line that is incomplete or does not parse (a torn tail)."""
    with path.open("rb") as stream:
        offset = 0
        for line in stream:
            if not line.endswith(b"\n"):
                return
            try:
                record = EvidenceRecord.model_validate_json(line)
            except ValidationError:
                return
            offset += len(line)
            yield record, offset


@dataclass(slots=True)
class PendingBatch:
    """Records read for shipping, and where the spool's read position goes once they are
    acknowledged."""

    records: list[EvidenceRecord]
    end_segment: int  # first sequence of the segment holding the last record
    end_offset: int  # byte offset just after the last record


class EvidenceSpool:
    """The :class:`govhub_gateway.exchange.EvidenceSink` of a gateway: a hash-chained,
    append-only log in ``directory``. ``append`` is called on the event loop; ``pending`` /
    ``mark_shipped`` may be called from a worker thread (a lock guards shared state)."""

    def __init__(self, directory: str | os.PathLike[str], gateway_id: str, *,
                 max_segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> None:
        self.directory = Path(directory)
        self.gateway_id = gateway_id
        self.max_segment_bytes = max_segment_bytes
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._segment_start = 0
        self._segment_bytes = 0
        self._written = 0  # sequence of the last record written to the OS
        self._synced = 0  # sequence of the last record known to be on disk
        self._closed = False
        self._shipped_sequence, self._shipped_hash = self._read_cursor()
        self._sequence, self._last_hash = self._recover()
        self._synced = self._written = self._sequence
        self._read_segment, self._read_offset = self._locate_read_position()

    # -- the hot path ---------------------------------------------------------------------

    def append(self, fields: dict[str, Any]) -> None:
        """The EvidenceSink method: chain, hash and write one record (one ``os.write``)."""
        self.append_record(fields)

    def append_record(self, fields: dict[str, Any]) -> EvidenceRecord:
        """:meth:`append`, returning the record as written."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the evidence spool is closed")
            unsigned = EvidenceRecord(**{**fields, "gateway": self.gateway_id,
                                         "sequence": self._sequence + 1,
                                         "previous_hash": self._last_hash, "hash": ""})
            record = unsigned.model_copy(update={"hash": unsigned.compute_hash()})
            line = (record.model_dump_json() + "\n").encode()
            if self._fd is None or self._segment_bytes >= self.max_segment_bytes:
                self._open_segment(record.sequence)
            assert self._fd is not None
            try:
                view = memoryview(line)
                while view:  # a regular file takes it whole; loop for the letter of POSIX
                    view = view[os.write(self._fd, view):]
            except OSError:
                # Disk full, say: cut a partial line off so the next record starts clean,
                # and let the caller know this one was not kept.
                os.ftruncate(self._fd, self._segment_bytes)
                raise
            self._segment_bytes += len(line)
            self._sequence = self._written = record.sequence
            self._last_hash = record.hash
            return record

    def _open_segment(self, first_sequence: int) -> None:
        if self._fd is not None:
            os.fsync(self._fd)  # rotation is rare: sync the finished segment now
            self._synced = self._written
            os.close(self._fd)
        path = self.directory / segment_name(first_sequence)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._segment_start = first_sequence
        self._segment_bytes = os.fstat(self._fd).st_size
        fsync_directory(self.directory)  # the new name must survive a power loss too

    # -- group commit ---------------------------------------------------------------------

    def flush(self) -> None:
        """fsync what was written (blocking; the flusher runs it in a worker thread)."""
        with self._lock:
            if self._fd is None or self._written == self._synced:
                return
            target = self._written
            fd = os.dup(self._fd)  # survives a rotation closing the original meanwhile
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        with self._lock:
            self._synced = max(self._synced, target)

    async def run_flusher(self, interval_seconds: float = 0.2) -> None:
        """Group commit: fsync every ``interval_seconds`` until cancelled."""
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await asyncio.to_thread(self.flush)
            except OSError:
                logger.exception("evidence spool fsync failed")

    def close(self) -> None:
        """fsync and close; later appends raise."""
        with self._lock:
            self._closed = True
            if self._fd is not None:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None
            self._synced = self._written

    # -- shipping -------------------------------------------------------------------------

    @property
    def last_sequence(self) -> int:
        return self._sequence

    @property
    def shipped_sequence(self) -> int:
        return self._shipped_sequence

    def pending_count(self) -> int:
        """Records written but not yet acknowledged by the control plane."""
        return self._sequence - self._shipped_sequence

    def pending(self, limit: int) -> PendingBatch:
        """Up to ``limit`` unshipped records, oldest first (does not move the cursor)."""
        with self._lock:
            segments = [start for start, _ in list_segments(self.directory)]
            written = self._written
        records: list[EvidenceRecord] = []
        segment, offset = self._read_segment, self._read_offset
        for start in segments:
            if start < segment:
                continue
            if start > segment:
                segment, offset = start, 0
            offset = self._read_from(start, offset, limit, written, records)
            if len(records) >= limit:
                break
        return PendingBatch(records, segment, offset)

    def _read_from(self, start: int, offset: int, limit: int, written: int,
                   into: list[EvidenceRecord]) -> int:
        with (self.directory / segment_name(start)).open("rb") as stream:
            stream.seek(offset)
            while len(into) < limit:
                line = stream.readline()
                if not line.endswith(b"\n"):
                    break
                record = EvidenceRecord.model_validate_json(line)
                if record.sequence > written:
                    break
                offset += len(line)
                if record.sequence > self._shipped_sequence:
                    into.append(record)
        return offset

    def mark_shipped(self, batch: PendingBatch) -> None:
        """The control plane stored ``batch``: persist the cursor, then delete every segment
        whose records are now all shipped (never the one being written)."""
        if not batch.records:
            return
        last = batch.records[-1]
        cursor = {"sequence": last.sequence, "hash": last.hash}
        write_atomically(self.directory / CURSOR_NAME, json.dumps(cursor).encode())
        with self._lock:
            self._shipped_sequence, self._shipped_hash = last.sequence, last.hash
            self._read_segment, self._read_offset = batch.end_segment, batch.end_offset
            segments = list_segments(self.directory)
            current = self._segment_start
        for (_start, path), (next_start, _) in itertools.pairwise(segments):
            if next_start <= last.sequence + 1 and next_start <= current:
                with suppress(FileNotFoundError):
                    path.unlink()

    # -- recovery -------------------------------------------------------------------------

    def _read_cursor(self) -> tuple[int, str]:
        path = self.directory / CURSOR_NAME
        try:
            data = json.loads(path.read_bytes())
            return int(data["sequence"]), str(data["hash"])
        except FileNotFoundError:
            return 0, GENESIS_HASH
        except (ValueError, KeyError, TypeError) as error:
            # write_atomically never leaves a torn cursor; this is damage from outside.
            raise RuntimeError(f"evidence spool cursor {path} is unreadable: {error}") from error

    def _recover(self) -> tuple[int, str]:
        """The last intact record (sequence, hash): from the newest segment holding one, else
        from the cursor. A torn tail (a partial line from a crash mid-write, or zeros from a
        power loss) is cut off so the next append continues a clean file."""
        for start, path in reversed(list_segments(self.directory)):
            last: EvidenceRecord | None = None
            end = 0
            for record, end in read_records(path):  # noqa: B007 - end is the wanted value
                last = record
            size = path.stat().st_size
            if size > end:
                logger.warning("evidence spool: dropping %d torn bytes at the end of %s",
                               size - end, path.name)
                os.truncate(path, end)
            self._segment_start = start
            if last is not None:
                return last.sequence, last.hash
            if start > self._shipped_sequence + 1 or size > end:
                logger.warning("evidence spool: segment %s holds no intact record", path.name)
        return self._shipped_sequence, self._shipped_hash

    def _locate_read_position(self) -> tuple[int, int]:
        """The segment and byte offset of the first unshipped record."""
        segments = list_segments(self.directory)
        for index, (start, path) in enumerate(segments):
            next_start = segments[index + 1][0] if index + 1 < len(segments) else None
            if next_start is not None and next_start <= self._shipped_sequence + 1:
                continue
            offset = 0
            for record, end in read_records(path):
                if record.sequence > self._shipped_sequence:
                    break
                offset = end
            return start, offset
        return self._sequence + 1, 0


def verify_spool(directory: str | os.PathLike[str]) -> tuple[int, list[str]]:
    """Check a spool directory offline: (number of records, problems found). The chain is
    verified from the first segment still on disk (older ones were shipped and deleted);
    a line that is not a record is a problem too, except a torn last line of the newest
    segment, which the gateway drops on restart."""
    segments = list_segments(Path(directory))
    records: list[EvidenceRecord] = []
    problems: list[str] = []
    for index, (_start, path) in enumerate(segments):
        lines = path.read_bytes().split(b"\n")
        torn_tail = lines.pop()  # b"" when the file ends with a newline
        if torn_tail and index < len(segments) - 1:
            problems.append(f"{path.name}: incomplete last line")
        for number, line in enumerate(lines, start=1):
            try:
                records.append(EvidenceRecord.model_validate_json(line))
            except ValidationError:
                problems.append(f"{path.name} line {number}: not an evidence record")
    first = segments[0][0] if segments else 1
    breaks: list[ChainBreak] = verify_chain(records, expected_first_sequence=first)
    problems.extend(str(chain_break) for chain_break in breaks)
    return len(records), problems
