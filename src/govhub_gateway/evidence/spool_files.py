"""The evidence spool's files: segment names, atomic writes, reading records back, and the
offline check of a spool directory (``python -m govhub_gateway verify-spool DIR``). See
``govhub_gateway.evidence.spool`` for the layout and the durability choice."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from govhub_contracts.evidence_chain import ChainBreak, verify_chain
from govhub_contracts.snapshot import EvidenceRecord

SEGMENT_PATTERN = re.compile(r"^evidence-(\d{12})\.jsonl$")


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
