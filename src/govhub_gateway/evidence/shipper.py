"""Ship the evidence spool to the control plane (docs/exchange-contract.md: evidence records
flow back through a durable local spool, so an outage of the control plane loses nothing).

Every ``interval_seconds`` the shipper sends the unshipped records, oldest first, in batches
of at most ``batch_size`` to ``POST /api/integration/gateway/evidence``. The spool's cursor
moves only after a 200: the endpoint is idempotent per (gateway, sequence), so a batch whose
answer was lost is simply sent again. Any failure (network, 5xx, 401/403, a 409 hash
conflict) keeps the records and retries with jittered exponential back-off; serving is never
affected.
"""

from __future__ import annotations

import asyncio
import logging
import random

import aiohttp

from govhub_contracts.snapshot import EvidenceBatch
from govhub_gateway.evidence.spool import EvidenceSpool

logger = logging.getLogger(__name__)

EVIDENCE_PATH = "/api/integration/gateway/evidence"
MAX_BATCH = 500
MAX_BACKOFF_SECONDS = 60.0


class ShipError(Exception):
    """The control plane did not store a batch; the records stay in the spool."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, None when there was no answer


class EvidenceShipper:
    def __init__(self, spool: EvidenceSpool, *, session: aiohttp.ClientSession,
                 control_url: str, token: str, interval_seconds: float = 1.0,
                 batch_size: int = MAX_BATCH, request_timeout_seconds: float = 30.0) -> None:
        self.spool = spool
        self.session = session
        self.url = control_url.rstrip("/") + EVIDENCE_PATH
        self.token = token
        self.interval_seconds = interval_seconds
        self.batch_size = min(batch_size, MAX_BATCH)
        self.timeout = aiohttp.ClientTimeout(total=request_timeout_seconds)
        self.failures = 0  # consecutive failed attempts

    def pending_count(self) -> int:
        return self.spool.pending_count()

    async def ship_once(self) -> int:
        """Send one batch; the number of records the control plane stored (0: none pending).
        Raises :class:`ShipError` when the batch was not stored."""
        batch = await asyncio.to_thread(self.spool.pending, self.batch_size)
        if not batch.records:
            return 0
        body = EvidenceBatch(records=batch.records).model_dump_json()
        headers = {"Authorization": f"Bearer {self.token}",
                   "Content-Type": "application/json"}
        try:
            async with self.session.post(self.url, data=body, headers=headers,
                                         timeout=self.timeout) as response:
                if response.status != 200:
                    detail = (await response.text())[:500]
                    raise ShipError(f"control plane answered {response.status}: {detail}",
                                    response.status)
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise ShipError(f"control plane unreachable: {error!r}") from error
        await asyncio.to_thread(self.spool.mark_shipped, batch)
        return len(batch.records)

    async def ship_all(self) -> int:
        """Ship batches until the spool is drained; raises ShipError on the first failure."""
        total = 0
        while True:
            shipped = await self.ship_once()
            total += shipped
            if shipped < self.batch_size:
                return total

    def next_delay(self) -> float:
        """The pause before the next attempt: the interval, or after failures a jittered
        exponential back-off (full jitter, so many gateways do not retry in step)."""
        if not self.failures:
            return self.interval_seconds
        ceiling = min(MAX_BACKOFF_SECONDS, self.interval_seconds * 2 ** self.failures)
        return max(self.interval_seconds, random.uniform(0, ceiling))  # noqa: S311 - jitter

    async def run(self) -> None:
        """Ship forever (until cancelled)."""
        while True:
            await asyncio.sleep(self.next_delay())
            try:
                await self.ship_all()
            except ShipError as error:
                self.failures += 1
                if error.status == 409:
                    # The control plane holds a different record under a sequence we send:
                    # this spool was reset or someone altered one side. Keep everything and
                    # shout; an operator must compare with ``verify-spool`` before going on.
                    logger.error("evidence chain conflict with the control plane (%d "
                                 "pending): %s", self.pending_count(), error)
                    continue
                logger.warning("evidence shipping failed (attempt %d, %d pending): %s",
                               self.failures, self.pending_count(), error)
            except Exception:
                self.failures += 1
                logger.exception("evidence shipping failed unexpectedly")
            else:
                if self.failures:
                    logger.info("evidence shipping recovered after %d failures", self.failures)
                self.failures = 0
