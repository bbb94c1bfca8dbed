"""Verify the evidence log's hash chain (docs/exchange-contract.md §10: a
tamper-evident log of every exchange).

Each gateway writes its own chain: record ``n`` carries ``previous_hash`` = the ``hash`` of
record ``n - 1`` (``GENESIS_HASH`` for the first) and ``hash`` = SHA-256 over its own canonical
JSON (``EvidenceRecord.compute_hash``; the form is defined in ``govhub_contracts.evidence_hash``
so that the gateway, hashing a plain dict, and this check, hashing a model rebuilt from
database rows, agree byte for byte). So:

* a record edited in place no longer matches its own ``hash`` → "altered";
* a record edited *and* re-hashed, or removed, breaks the link of the record after it →
  reported on that next record, naming the one before it;
* a hole in the sequence → "missing records N to M" (written with an en dash).

Pure Python and pydantic, no Django: the control plane's ``govhub evidence verify`` command and
the gateway's ``python -m govhub_gateway verify-spool DIR`` both call :func:`verify_chain`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from govhub_contracts.snapshot import GENESIS_HASH, EvidenceRecord


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where a chain is broken: the record at which the break shows, and why."""

    sequence: int
    gateway: str
    request_id: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.gateway} #{self.sequence}"
        if self.request_id:
            where += f" ({self.request_id})"
        return f"{where}: {self.reason}"


def verify_chain(records: Iterable[EvidenceRecord], *,
                 expected_first_sequence: int = 1) -> list[ChainBreak]:
    """Every break in the chains of ``records`` (any order, gateways interleaved).

    Each gateway's records are checked separately, ordered by sequence, and should start at
    ``expected_first_sequence``; when that is above 1 (a window of a longer log, the older part
    shipped and deleted), the first record's ``previous_hash`` cannot be checked.
    """
    by_gateway: dict[str, list[EvidenceRecord]] = defaultdict(list)
    for record in records:
        by_gateway[record.gateway].append(record)
    breaks: list[ChainBreak] = []
    for gateway in sorted(by_gateway):
        chain = sorted(by_gateway[gateway], key=lambda record: record.sequence)
        breaks.extend(_verify_gateway(gateway, chain, expected_first_sequence))
    return breaks


def _verify_gateway(gateway: str, chain: list[EvidenceRecord],
                    first_sequence: int) -> list[ChainBreak]:
    breaks: list[ChainBreak] = []
    expected_sequence = first_sequence
    # None: the link cannot be checked (a window's first record, or right after a gap, which
    # is already reported).
    previous_hash: str | None = GENESIS_HASH if first_sequence == 1 else None
    previous: EvidenceRecord | None = None
    for record in chain:
        def broken(reason: str, record: EvidenceRecord = record) -> None:
            breaks.append(ChainBreak(record.sequence, gateway, record.request_id, reason))

        if previous is not None and record.sequence == previous.sequence:
            if record.hash != previous.hash:
                broken("two different records carry this sequence number")
            continue  # an identical copy (a batch shipped twice) is harmless
        if record.sequence > expected_sequence:
            first, last = expected_sequence, record.sequence - 1
            broken(f"missing record {first}" if first == last
                   else f"missing records {first}–{last}")  # noqa: RUF001
            previous_hash = None
        if record.compute_hash() != record.hash:
            broken("altered: the record does not match its hash")
        if previous_hash is not None and record.previous_hash != previous_hash:
            if record.sequence == 1:
                broken("previous_hash is not the genesis hash: records before it were removed")
            else:
                broken(f"previous_hash does not match record {record.sequence - 1}: "
                       f"record {record.sequence - 1} was altered or removed")
        previous_hash = record.hash
        expected_sequence = record.sequence + 1
        previous = record
    return breaks
