"""The durable local evidence spool: one hash-chained record per exchange, kept on the
gateway's disk until the control plane has stored it (docs/exchange-contract.md: an
outage of the control plane loses nothing; exchange contract §10, tamper-evident evidence log).

Layout of the spool directory::

    evidence-000000000001.jsonl   segment: one EvidenceRecord JSON per line, named by the
    evidence-000000004212.jsonl   sequence of its first record; rotated by size
    cursor.json                   the last shipped record (sequence and hash)

Durability choice. ``append`` runs on the gateway's hot path after every exchange, so it
must cost microseconds, not an fsync (milliseconds on most disks), nor even a system call
per record. It chains and hashes the record from its plain values (the canonical JSON of
``govhub_contracts.evidence_hash``; no model is built or validated) and queues the line; the
lines queued during one event-loop turn are written with one ``os.write`` to a file
descriptor opened with ``O_APPEND`` by a callback at the end of that turn (at once when no
loop runs). So by the end of the loop turn in which its exchange completed, the record
is in the kernel's page cache and survives a crash (or SIGKILL)
of the gateway process; a crash *inside* that turn loses the records of that turn only. The
data reaches the disk in groups: :meth:`EvidenceSpool.run_flusher` calls ``fsync`` every
``flush_interval_seconds`` (200 ms by default) in a worker thread, which also syncs and
closes a segment finished by a rotation and the directory entry of the new one, so the
event loop never waits for a disk; :meth:`close` does all of it on shutdown. A power loss
or kernel crash can therefore lose at most the last group (≤ 200 ms of exchanges); the torn
or zero-filled tail it may leave is dropped on restart and the chain continues from the
last intact record. A failed write (disk full) is cut off and the chain resumes from the
last record written, so the file never holds a broken link.

Segments rotate at ``max_segment_bytes`` and are deleted only once every record in them has
been shipped (the cursor is on disk before any segment is removed), so the chain's state is
always recoverable from the newest segment or, failing that, from the cursor.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
import os
import threading
from contextlib import suppress
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from govhub_contracts.evidence_hash import canonical_datetime, canonical_ms
from govhub_contracts.snapshot import GENESIS_HASH, EvidenceHead, EvidenceRecord
from govhub_gateway.evidence.canonical import CANONICAL_INSTANT, ExchangeFields, encode_chained
from govhub_gateway.evidence.spool_files import (
    SEGMENT_PATTERN,
    fsync_directory,
    list_segments,
    read_records,
    segment_name,
    verify_spool,
    write_atomically,
)

# The file helpers are part of this module's interface (the runner, the CLI, tests).
__all__ = ["SEGMENT_PATTERN", "EvidenceSpool", "PendingBatch", "list_segments", "read_records",
           "segment_name", "verify_spool", "write_atomically"]

logger = logging.getLogger(__name__)

CURSOR_NAME = "cursor.json"
DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024
MAX_QUEUED_LINES = 512  # a loop turn queuing more writes them at once (bounded memory)
# The fields a caller gives (without the chain's own), and those it may leave out.
_CALLER_KEYS = frozenset(ExchangeFields._fields)
_REQUIRED_KEYS = _CALLER_KEYS - set(ExchangeFields._field_defaults)


def exchange_fields(fields: dict[str, Any]) -> ExchangeFields:
    """A caller's dict as :class:`ExchangeFields`; ValueError naming the fields that are
    unknown or missing (defaults may be left out)."""
    try:
        return ExchangeFields(**fields)
    except TypeError:
        wrong = sorted((fields.keys() - _CALLER_KEYS) | (_REQUIRED_KEYS - fields.keys()))
        raise ValueError(f"not the evidence record's fields: {wrong}") from None


@dataclass(slots=True)
class PendingBatch:
    """Records read for shipping, and where the spool's read position goes once they are
    acknowledged."""

    records: list[EvidenceRecord]
    end_segment: int  # first sequence of the segment holding the last record
    end_offset: int  # byte offset just after the last record


class EvidenceSpool:
    """The :class:`govhub_gateway.engine.exchange.EvidenceSink` of a gateway: a hash-chained,
    append-only log in ``directory``. ``append`` is called on the event loop; ``pending`` /
    ``mark_shipped`` may be called from a worker thread (a lock guards shared state)."""

    def __init__(self, directory: str | os.PathLike[str], gateway_id: str, *,
                 max_segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> None:
        self.directory = Path(directory)
        self.gateway_id = gateway_id
        self._gateway_json = encode_basestring(gateway_id)  # constant in every record
        self.max_segment_bytes = max_segment_bytes
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._segment_start = 0
        self._segment_bytes = 0
        self._written = 0  # sequence of the last record written to the OS
        self._written_hash = GENESIS_HASH  # and its hash
        self._queue: list[bytes] = []  # lines chained but not yet written
        self._retired: list[int] = []  # finished segments' descriptors, to fsync and close
        self._directory_synced = True
        self._synced = 0  # sequence of the last record known to be on disk
        self._closed = False
        self._shipped_sequence, self._shipped_hash = self._read_cursor()
        self._sequence, self._last_hash = self._recover()
        self._synced = self._written = self._sequence
        self._written_hash = self._last_hash
        self._read_segment, self._read_offset = self._locate_read_position()

    # -- the hot path ---------------------------------------------------------------------

    def append(self, fields: dict[str, Any]) -> None:
        """The EvidenceSink method: :meth:`append_fields` of a dict holding the record's
        fields without ``gateway``, ``sequence``, ``previous_hash`` and ``hash`` (defaults may
        be left out); ``started_at`` a datetime or its ``canonical_datetime`` text."""
        self.append_fields(exchange_fields(fields))

    def append_fields(self, fields: ExchangeFields) -> None:
        """Chain and hash one record, and queue its line. On the event loop the lines of one
        loop turn go to the OS in one ``os.write`` at the end of that turn (before any
        connection can read its next request); without a running loop the line is written
        before this returns. The policy calls this directly (no dict per exchange)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the evidence spool is closed")
            queue = self._queue
            queue.append(self._chain(fields))
            if 1 < len(queue) < MAX_QUEUED_LINES:
                return  # a write is already scheduled for this loop turn
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is None or len(queue) >= MAX_QUEUED_LINES:
                self._write_queue()  # raises OSError to the caller: the record is not kept
                return
        loop.call_soon(self._write_queued_lines)

    def append_record(self, fields: dict[str, Any]) -> EvidenceRecord:
        """:meth:`append` written at once, returning the record as written (parsed back:
        for tests and tools, not the hot path)."""
        values = exchange_fields(fields)
        with self._lock:
            if self._closed:
                raise RuntimeError("the evidence spool is closed")
            line = self._chain(values)
            self._queue.append(line)
            self._write_queue()
        return EvidenceRecord.model_validate_json(line)

    def _chain(self, fields: ExchangeFields) -> bytes:
        """The next record's line (lock held): its canonical JSON (``evidence_hash``, written
        by ``evidence_line``), hashed, with ``hash`` appended as the last member. No model
        is built: the field set is ``EvidenceRecord``'s (``ExchangeFields``), the types the
        canonical form pins are normalised, and the policy builds the rest from typed
        values (a wrong type raises here, before the chain moves on)."""
        started_at = fields.started_at
        if type(started_at) is not str:
            started_at = canonical_datetime(started_at)
        elif not CANONICAL_INSTANT.fullmatch(started_at):  # text must already be canonical
            raise ValueError(f"started_at is not canonical_datetime text: {started_at!r}")
        body = encode_chained(fields, self._gateway_json, self._sequence + 1, self._last_hash,
                              started_at, round(float(fields.duration_ms), 3),
                              canonical_ms(fields.upstream_ms)).encode()
        digest = hashlib.sha256(body).hexdigest()
        self._sequence += 1
        self._last_hash = digest
        return b"".join((body[:-1], b',"hash":"', digest.encode(), b'"}\n'))

    def _write_queued_lines(self) -> None:
        """The loop-turn callback of :meth:`append`; a failed write is logged (the
        exchanges were answered already) and its records are dropped."""
        with self._lock:
            try:
                self._write_queue()
            except OSError:
                logger.exception("evidence spool write failed")

    def _write_queue(self) -> None:
        """Write the queued lines with one ``os.write`` (lock held). On failure (disk full,
        say) the partial write is cut off and the chain goes back to the last record
        written, so the next record links to one that is on disk; the queued records are
        lost and the OSError propagates."""
        lines, self._queue = self._queue, []
        if not lines:
            return
        if self._fd is None or self._segment_bytes >= self.max_segment_bytes:
            self._open_segment(self._written + 1)
        assert self._fd is not None
        data = b"".join(lines)
        try:
            view = memoryview(data)
            while view:  # a regular file takes it whole; loop for the letter of POSIX
                view = view[os.write(self._fd, view):]
        except OSError:
            os.ftruncate(self._fd, self._segment_bytes)
            self._sequence, self._last_hash = self._written, self._written_hash
            raise
        self._segment_bytes += len(data)
        self._written, self._written_hash = self._sequence, self._last_hash

    def _open_segment(self, first_sequence: int) -> None:
        """Start a segment (lock held). The finished one is fsynced and closed by the
        flusher thread, and so is the directory holding the new name (POSIX: an fsync of
        a file does not cover its directory entry): no fsync on the event loop."""
        if self._fd is not None:
            self._retired.append(self._fd)
        path = self.directory / segment_name(first_sequence)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._segment_start = first_sequence
        self._segment_bytes = os.fstat(self._fd).st_size
        self._directory_synced = False

    # -- group commit ---------------------------------------------------------------------

    def flush(self) -> None:
        """Write what is queued, then fsync it, finished segments and the directory
        (blocking; the flusher runs it in a worker thread)."""
        with self._lock:
            self._write_queue()
            if self._fd is None or (self._written == self._synced and not self._retired):
                return
            target = self._written
            retired, self._retired = self._retired, []
            fd = os.dup(self._fd)  # survives a rotation closing the original meanwhile
            sync_directory, self._directory_synced = not self._directory_synced, True
        try:
            for old in retired:
                try:
                    os.fsync(old)
                finally:
                    os.close(old)
            os.fsync(fd)
            if sync_directory:
                fsync_directory(self.directory)
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
        """Write, fsync and close; later appends raise."""
        self.flush()
        with self._lock:
            self._closed = True
            for old in self._retired:
                os.close(old)
            self._retired = []
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

    def chain_heads(self) -> tuple[EvidenceHead, EvidenceHead]:
        """(the last record written, the last record the control plane acknowledged), for
        the heartbeat: the control plane compares them with the log it stores."""
        with self._lock:
            return (EvidenceHead(sequence=self._sequence, hash=self._last_hash),
                    EvidenceHead(sequence=self._shipped_sequence, hash=self._shipped_hash))

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
