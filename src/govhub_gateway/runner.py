"""Run one gateway: every part on one uvloop event loop (docs/operations.md, processes).

Start order matters for availability: the spool opens (recovering a torn tail), the last good
snapshot is loaded from disk *before* the listener opens, so a gateway restarted during a
control-plane outage serves at once; then the engine and admin listeners, then the background
loops (snapshot poller, heartbeats, evidence shipper, spool group commit, JWKS refresh).

SIGTERM/SIGINT stop it gracefully: close the listener and let in-flight exchanges finish (up to
``DRAIN_SECONDS``), stop the loops, fsync the spool, try one last shipment, close.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import signal
import sys
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

import aiohttp

from govhub_gateway.config import GatewayConfig
from govhub_gateway.control.admin_server import AdminHooks, start_admin_server
from govhub_gateway.control.snapshot_client import HeartbeatSender, SnapshotClient
from govhub_gateway.engine.server import start_server
from govhub_gateway.evidence.access_log import AccessLog
from govhub_gateway.evidence.metrics import GatewayMetrics
from govhub_gateway.evidence.shipper import EvidenceShipper, ShipError
from govhub_gateway.evidence.spool import EvidenceSpool
from govhub_gateway.policy.credentials import TokenVerifier
from govhub_gateway.policy.gateway_policy import GatewayPolicy

logger = logging.getLogger("govhub_gateway")

DRAIN_SECONDS = 5.0  # in-flight exchanges get this long after the listener closes
FINAL_SHIP_SECONDS = 5.0
JWKS_REFRESH_SECONDS = 300.0
JWKS_MIN_INTERVAL_SECONDS = 10.0  # on an unknown kid, at most this often


class JsonFormatter(logging.Formatter):
    """One JSON object per line on stderr, for the log collector."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


async def refresh_jwks(tokens: TokenVerifier, session: aiohttp.ClientSession) -> None:
    """Keep consumers' token keys current: every JWKS_REFRESH_SECONDS, and soon after a token
    names a key id the verifier does not hold (how a key rotation shows, RFC 7517 §4.5)."""
    last = float("-inf")
    while True:
        await asyncio.sleep(1.0)
        since = time.monotonic() - last
        due = since >= JWKS_REFRESH_SECONDS or (
            tokens.needs_refresh and since >= JWKS_MIN_INTERVAL_SECONDS)
        if not due or tokens.jwks_uri is None:
            continue
        last = time.monotonic()
        try:
            await tokens.refresh(session)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            logger.warning("JWKS refresh from %s failed: %r", tokens.jwks_uri, error)


class Gateway:
    """The running parts; :meth:`start` then :meth:`stop`."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.started_at = datetime.now(UTC)
        self.spool = EvidenceSpool(config.spool_dir, config.gateway_id)
        self.metrics = GatewayMetrics()
        self.tokens = TokenVerifier()
        self.access_log = AccessLog()  # stderr, beside the JSON log lines
        self.policy = GatewayPolicy(gateway_id=config.gateway_id, evidence=self.spool,
                                    metrics=self.metrics, tokens=self.tokens,
                                    problem_base_url=config.problem_base_url,
                                    access_log=self.access_log)
        self.tasks: list[asyncio.Task[None]] = []
        self.server: Any = None
        self.admin: Any = None
        # Built inside the running loop (aiohttp binds a session to it).
        self.session = aiohttp.ClientSession()
        self.snapshots = SnapshotClient(
            session=self.session, control_url=config.control_url, token=config.token,
            data_dir=config.data_dir, on_snapshot=self.policy.update_snapshot,
            poll_seconds=config.poll_seconds)
        self.shipper = EvidenceShipper(
            self.spool, session=self.session, control_url=config.control_url,
            token=config.token, interval_seconds=config.ship_seconds)
        self.heartbeats = HeartbeatSender(
            session=self.session, control_url=config.control_url, token=config.token,
            gateway_id=config.gateway_id, snapshots=self.snapshots,
            spooled_evidence=self.spool.pending_count, evidence_heads=self.spool.chain_heads,
            interval_seconds=config.heartbeat_seconds, started_at=self.started_at)

    async def start(self) -> None:
        config = self.config
        self.snapshots.load_from_disk()  # serve at once, even with the control plane down
        # Everything built so far lives as long as the process: keep the cyclic garbage
        # collector from walking it again and again while exchanges run (gc.freeze).
        gc.freeze()
        self.server = await start_server(
            self.policy, host=config.host, port=config.port,
            ssl_context=config.ssl_context(), problem_base_url=config.problem_base_url)
        self.admin = await start_admin_server(self._admin_hooks(), host=config.admin_host,
                                              port=config.admin_port)
        loops: list[Coroutine[Any, Any, None]] = [
            self.snapshots.run(), self.heartbeats.run(), self.shipper.run(),
            self.spool.run_flusher(), refresh_jwks(self.tokens, self.session)]
        self.tasks = [asyncio.create_task(loop) for loop in loops]
        logger.info("gateway %s serving", config.gateway_id, extra={"fields": {
            "event": "listening", "port": self.server.port, "admin_port": self.admin.port,
            "snapshot_version": self._snapshot_version()}})

    def _snapshot_version(self) -> int | None:
        current = self.snapshots.current
        return current.version if current is not None else None

    def _admin_hooks(self) -> AdminHooks:
        def is_ready() -> bool:
            return bool(self.policy.is_ready)

        return AdminHooks(
            render_metrics=self.metrics.render, snapshot_version=self._snapshot_version,
            is_ready=is_ready, trigger_refresh=self.snapshots.trigger,
            status=lambda: {"gateway": self.config.gateway_id,
                            "spooled_evidence": self.spool.pending_count()})

    async def stop(self) -> None:
        """Graceful stop; safe to call once after start, even a partial one."""
        if self.server is not None:
            await self._drain()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # An exchange still running past DRAIN_SECONDS finds the spool closed: the engine
        # logs the failed append (its consumer still gets its answer).
        await asyncio.to_thread(self.spool.flush)
        if self.spool.pending_count():
            await self._final_ship()
        self.spool.close()
        self.access_log.close()
        if self.admin is not None:
            await self.admin.close()
        await self.session.close()
        logger.info("gateway %s stopped", self.config.gateway_id, extra={"fields": {
            "event": "stopped", "spooled_evidence": self.spool.pending_count()}})

    async def _drain(self) -> None:
        """Close the listener, then give in-flight exchanges up to DRAIN_SECONDS to finish
        (the engine closes idle keep-alive connections and busy ones after their response)."""
        await self.server.close()
        deadline = time.monotonic() + DRAIN_SECONDS
        while getattr(self.server, "connection_count", 0) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if getattr(self.server, "connection_count", 0):
            logger.warning("%d connections still open after %.0f s; stopping anyway",
                           self.server.connection_count, DRAIN_SECONDS)

    async def _final_ship(self) -> None:
        try:
            await asyncio.wait_for(self.shipper.ship_all(), FINAL_SHIP_SECONDS)
        except (ShipError, TimeoutError) as error:
            logger.warning("final evidence shipment failed; %d records stay in the spool "
                           "for the next start: %s", self.spool.pending_count(), error)
        except Exception:  # never let shipping keep the spool from being closed cleanly
            logger.exception("final evidence shipment failed; %d records stay in the spool",
                             self.spool.pending_count())


async def serve(config: GatewayConfig, stop: asyncio.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or ``stop`` is set); the exit code."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        gateway = Gateway(config)
    except (OSError, RuntimeError) as error:  # data dir not writable, damaged cursor
        logger.error("cannot start the gateway: %s", error)
        return 1
    try:
        await gateway.start()
    except OSError as error:  # the port is taken, say
        logger.error("cannot start the gateway: %s", error)
        await gateway.stop()
        return 1
    await stop.wait()
    logger.info("stopping", extra={"fields": {"event": "stopping"}})
    await gateway.stop()
    return 0


def run(config: GatewayConfig) -> int:
    import uvloop

    configure_logging()
    return uvloop.run(serve(config))
