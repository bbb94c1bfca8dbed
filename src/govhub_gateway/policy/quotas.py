"""Per-consumer quotas (exchange contract §9: 429 + Retry-After).

A fixed-window counter per consumer system: the first request opens a window of
``per_seconds``, at most ``requests`` pass inside it, and the refusal says in ``Retry-After``
(RFC 9110 §10.2.3, whole seconds) when the window ends. One dict lookup and two integer
operations per request, O(1) memory per consumer. A fixed window lets a burst of up to twice
the limit straddle a window edge; that is acceptable for fairness between agencies, which is
what these quotas are for (upstream protection belongs to the bulkheads).

The counters live in this process only. With several gateways behind a load balancer each
enforces the whole limit on its own share; the scale-out plan (docs/exchange-contract.md)
moves the counters to Redis (``INCR`` + ``EXPIRE`` on a per-window key) so gateways share
them. Not now: the embedded default must run with no service installed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from govhub_contracts.snapshot import Snapshot


@dataclass(slots=True, frozen=True)
class Limit:
    requests: int
    per_seconds: int


def compile_limits(snapshot: Snapshot) -> dict[str, Limit]:
    return {q.client: Limit(q.requests, q.per_seconds) for q in snapshot.quotas}


class QuotaCounters:
    """The limits are part of the compiled snapshot (swapped with it as one reference); the
    counters live here and survive snapshot swaps, so that publishing an unrelated change
    never hands every consumer a fresh allowance."""

    def __init__(self) -> None:
        # client → [window start, requests counted in it]
        self._windows: dict[str, list[float]] = {}

    def forget_changed(self, old: dict[str, Limit], new: dict[str, Limit]) -> None:
        """A changed limit starts a fresh window for that client; dropped ones are forgotten."""
        self._windows = {client: window for client, window in self._windows.items()
                         if client in new and new[client] == old.get(client)}

    def take(self, client: str, limit: Limit | None, now: float) -> int:
        """Count one request of ``client``: 0 when allowed, else the Retry-After seconds."""
        if limit is None:
            return 0
        window = self._windows.get(client)
        if window is None or now >= window[0] + limit.per_seconds:
            self._windows[client] = [now, 1.0]
            return 0
        if window[1] < limit.requests:
            window[1] += 1
            return 0
        return max(1, math.ceil(window[0] + limit.per_seconds - now))
