"""Reproducible random exchange values within the evidence contract's types: quotes,
backslashes, control characters, Vietnamese and astral-plane text, instants in several offsets,
durations as int or float."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

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
