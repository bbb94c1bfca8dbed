"""Keep the gateway's config snapshot current, and tell the control plane the gateway is
alive (docs/exchange-contract.md, control and data plane: gateways fetch the snapshot with their
own scoped token, swap it atomically, keep the last good snapshot on disk and keep serving when
the control plane is down; they send heartbeats).

Polling uses HTTP conditional requests (RFC 9110 §13.1.2 ``If-None-Match``; the ETag is the
snapshot's revision), so an unchanged snapshot costs a 304 and no body. A snapshot is applied
only if it parses, its revision proves its content (``Snapshot.is_intact``) and its version is
not older than the one being served; the policy swaps it first, and only then is it written to
disk, so the file always holds a snapshot that was actually served.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from pydantic import ValidationError

from govhub_contracts.snapshot import EvidenceHead, Heartbeat, Snapshot
from govhub_gateway.evidence.spool import write_atomically

logger = logging.getLogger(__name__)

SNAPSHOT_PATH = "/api/integration/gateway/snapshot"
HEARTBEAT_PATH = "/api/integration/gateway/heartbeat"
SNAPSHOT_FILE = "snapshot.json"
MAX_BACKOFF_SECONDS = 60.0
MIN_FETCH_INTERVAL_SECONDS = 1.0  # the push trigger's rate limit


def software_version() -> str:
    import govhub_gateway

    return str(getattr(govhub_gateway, "__version__", "0.1.0"))


def jittered(seconds: float, spread: float = 0.1) -> float:
    """±10% so that many gateways do not poll the control plane in step."""
    return seconds * random.uniform(1 - spread, 1 + spread)  # noqa: S311 - not a secret


class SnapshotRejectedError(Exception):
    """A snapshot that must not be served; the current one stays."""


class SnapshotClient:
    def __init__(self, *, session: aiohttp.ClientSession, control_url: str, token: str,
                 data_dir: str | Path, on_snapshot: Callable[[Snapshot], None],
                 poll_seconds: float = 5.0, request_timeout_seconds: float = 10.0,
                 min_fetch_interval_seconds: float = MIN_FETCH_INTERVAL_SECONDS) -> None:
        self.session = session
        self.url = control_url.rstrip("/") + SNAPSHOT_PATH
        self.token = token
        self.path = Path(data_dir) / SNAPSHOT_FILE
        self.on_snapshot = on_snapshot
        self.poll_seconds = poll_seconds
        self.min_fetch_interval_seconds = min_fetch_interval_seconds
        self.timeout = aiohttp.ClientTimeout(total=request_timeout_seconds)
        self.current: Snapshot | None = None
        self.failures = 0
        self.fetches = 0  # requests sent, for the tests and metrics
        self._wake = asyncio.Event()
        self._last_fetch = 0.0  # time.monotonic() of the last request

    # -- the snapshot on disk -------------------------------------------------------------

    def load_from_disk(self) -> Snapshot | None:
        """Serve the last good snapshot at once, before the control plane answers (or when it
        never does). A missing, corrupt or tampered file is ignored with a log line."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            logger.info("no snapshot on disk at %s yet", self.path)
            return None
        try:
            self._apply(self._parse(raw), source="disk")
        except (SnapshotRejectedError, OSError) as error:
            logger.error("ignoring the snapshot on disk at %s: %s", self.path, error)
            return None
        return self.current

    @staticmethod
    def _parse(raw: bytes) -> Snapshot:
        try:
            snapshot = Snapshot.model_validate_json(raw)
        except ValidationError as error:
            raise SnapshotRejectedError(f"not a valid snapshot ({error.error_count()} errors)") \
                from error
        if not snapshot.is_intact():
            raise SnapshotRejectedError(f"version {snapshot.version}: revision does not match its "
                                   "content (tampered or truncated)")
        return snapshot

    def _apply(self, snapshot: Snapshot, *, source: str) -> bool:
        """Hand ``snapshot`` to the policy; False when it is the one already served."""
        current = self.current
        if current is not None:
            if snapshot.revision == current.revision:
                return False
            if snapshot.version <= current.version:
                # Versions are immutable and increase (exchange contract): an older or reused
                # number means a stale replica or a replay; never roll back.
                raise SnapshotRejectedError(f"version {snapshot.version} is not newer than the "
                                       f"served version {current.version}")
        try:
            self.on_snapshot(snapshot)
        except Exception as error:
            raise SnapshotRejectedError(f"the policy could not load version {snapshot.version}: "
                                   f"{error!r}") from error
        self.current = snapshot
        logger.info("serving snapshot version %d (%s) from %s",
                    snapshot.version, snapshot.revision[:12], source)
        return True

    def _save(self, raw: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, raw)

    # -- fetching -------------------------------------------------------------------------

    async def fetch_once(self) -> bool:
        """One conditional GET; True when a new snapshot is now served. Network and HTTP
        failures raise ``aiohttp.ClientError``/``TimeoutError``; a bad snapshot raises
        :class:`SnapshotRejectedError`."""
        headers = {"Authorization": f"Bearer {self.token}",
                   "Accept": "application/json"}
        if self.current is not None:
            headers["If-None-Match"] = f'"{self.current.revision}"'
        self._last_fetch = time.monotonic()
        self.fetches += 1
        async with self.session.get(self.url, headers=headers, timeout=self.timeout) as response:
            if response.status == 304:
                return False
            raw = await response.read()
            if response.status != 200:
                raise aiohttp.ClientResponseError(
                    response.request_info, response.history, status=response.status,
                    message=raw[:300].decode(errors="replace"))
            etag = response.headers.get("ETag", "")
        # Parsing and re-hashing a large snapshot takes milliseconds: off the event loop.
        snapshot = await asyncio.to_thread(self._parse, raw)
        if etag and etag.removeprefix("W/").strip('"') != snapshot.revision:
            raise SnapshotRejectedError(f"ETag {etag} does not name the revision of the body")
        if not self._apply(snapshot, source="control plane"):
            return False
        await asyncio.to_thread(self._save, raw)
        return True

    def trigger(self) -> None:
        """Fetch now (the control plane's push after a change); several triggers within a
        second collapse into one fetch."""
        self._wake.set()

    async def run(self) -> None:
        """Poll forever (until cancelled): every ``poll_seconds`` with jitter, at once on
        :meth:`trigger`, with back-off while the control plane fails."""
        while True:
            self._wake.clear()  # a trigger arriving during this fetch wakes the next wait
            try:
                await self.fetch_once()
            except SnapshotRejectedError as error:
                self.failures += 1
                logger.error("snapshot rejected, still serving version %s: %s",
                             self.current.version if self.current else None, error)
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                self.failures += 1
                logger.warning("snapshot fetch failed (attempt %d), still serving version "
                               "%s: %r", self.failures,
                               self.current.version if self.current else None, error)
            else:
                self.failures = 0
            await self._wait()

    async def _wait(self) -> None:
        delay = self.poll_seconds
        if self.failures:
            delay = min(MAX_BACKOFF_SECONDS, self.poll_seconds * 2 ** min(self.failures, 10))
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=jittered(delay))
        except TimeoutError:
            return
        # Woken by a trigger: at most one fetch per min_fetch_interval_seconds.
        since = time.monotonic() - self._last_fetch
        if since < self.min_fetch_interval_seconds:
            await asyncio.sleep(self.min_fetch_interval_seconds - since)


class HeartbeatSender:
    """``POST /api/integration/gateway/heartbeat`` every ``interval_seconds``: the control
    plane shows gateways whose heartbeats stop, or that serve an old snapshot. With
    ``evidence_heads`` (the spool's ``chain_heads``) each heartbeat also carries the evidence
    chain's last written and last acknowledged records, which the control plane's evidence
    check compares with the log it stores (a removed or rewritten tail)."""

    def __init__(self, *, session: aiohttp.ClientSession, control_url: str, token: str,
                 gateway_id: str, snapshots: SnapshotClient,
                 spooled_evidence: Callable[[], int], interval_seconds: float = 10.0,
                 started_at: datetime | None = None,
                 evidence_heads: Callable[[], tuple[EvidenceHead, EvidenceHead]] | None = None,
                 ) -> None:
        self.session = session
        self.url = control_url.rstrip("/") + HEARTBEAT_PATH
        self.token = token
        self.gateway_id = gateway_id
        self.snapshots = snapshots
        self.spooled_evidence = spooled_evidence
        self.interval_seconds = interval_seconds
        self.started_at = started_at or datetime.now(UTC)
        self.evidence_heads = evidence_heads
        self.timeout = aiohttp.ClientTimeout(total=10.0)

    def heartbeat(self) -> Heartbeat:
        current = self.snapshots.current
        head, shipped = self.evidence_heads() if self.evidence_heads else (None, None)
        return Heartbeat(
            gateway=self.gateway_id, software_version=software_version(),
            snapshot_version=current.version if current else None,
            snapshot_revision=current.revision if current else None,
            started_at=self.started_at, spooled_evidence=self.spooled_evidence(),
            evidence_head=head, evidence_shipped=shipped)

    async def send_once(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}",
                   "Content-Type": "application/json"}
        body = self.heartbeat().model_dump_json()
        async with self.session.post(self.url, data=body, headers=headers,
                                     timeout=self.timeout) as response:
            await response.read()
            if response.status >= 300:
                raise aiohttp.ClientResponseError(
                    response.request_info, response.history, status=response.status)

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                await self.send_once()
                failures = 0
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                failures += 1
                logger.warning("heartbeat failed (attempt %d): %r", failures, error)
            delay = self.interval_seconds * (2 ** min(failures, 3))
            await asyncio.sleep(jittered(min(delay, MAX_BACKOFF_SECONDS)))
