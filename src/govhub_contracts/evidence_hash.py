"""The canonical form an evidence record is hashed in (``EvidenceRecord.compute_hash``).

Two sides must produce byte-identical input to SHA-256 from the same facts: the gateway, on
its hot path, from a plain dict it builds per exchange (no pydantic model, no validation:
microseconds count there), and the control plane, from an ``EvidenceRecord`` rebuilt
from database rows when ``govhub evidence verify`` runs. So the form is defined on plain
JSON values, and the few types that have more than one spelling are pinned here, in the one
place both sides call:

* the record is ``json.dumps(fields without "hash", sort_keys=True, separators=(",", ":"),
  ensure_ascii=False)`` encoded as UTF-8 (RFC 8259 text; sorted keys so field order never
  matters);
* a datetime is its UTC instant as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00`` — always six
  fractional digits (``isoformat`` drops them at microsecond 0), always UTC (an aware
  non-UTC input is converted, a naive one is taken as UTC) — :func:`canonical_datetime`;
* a duration in milliseconds is a float rounded to 3 decimals (microseconds; the gateway
  measures nothing finer) — :func:`canonical_ms`; an int becomes a float, so 5 and 5.0
  hash alike, as they do once a database column or pydantic has held them.

Python's ``json`` writes a float with ``repr`` (the shortest string that round-trips), so a
value read back from a double-precision column gives the same text.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_datetime(value: datetime) -> str:
    """The one spelling of an instant in evidence: UTC, microseconds, ``+00:00``."""
    if value.tzinfo is not UTC:  # the gateway's own instants are UTC already
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def canonical_timestamp(seconds: float) -> str:
    """:func:`canonical_datetime` of a POSIX timestamp (``time.time()``)."""
    return canonical_datetime(datetime.fromtimestamp(seconds, UTC))


def canonical_ms(value: float | None) -> float | None:
    """A duration in milliseconds as evidence keeps it: 3 decimals, a float (or None)."""
    return None if value is None else round(float(value), 3)


def canonical_json(fields: dict[str, Any]) -> str:
    """The hashed text of a record's JSON-ready ``fields`` (which must not hold ``hash``)."""
    return _ENCODER.encode(fields)


def evidence_digest(fields: dict[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_json`: the record's ``hash``."""
    return hashlib.sha256(_ENCODER.encode(fields).encode()).hexdigest()
