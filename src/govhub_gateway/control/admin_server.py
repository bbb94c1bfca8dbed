"""The gateway's small admin listener: metrics, health and the snapshot push trigger.

It is not the hot path (consumers never reach it), so plain aiohttp.web is good enough; it
listens on loopback by default (``GOVHUB_GATEWAY_ADMIN_HOST``) for the local Prometheus
scraper, the orchestrator's health check and the control plane's push.

``POST /snapshot/refresh`` needs no secret, by design: it only makes the gateway fetch the
snapshot from the control plane it already trusts, with its own token, through the same
validation as a poll. The worst a caller can do is cause fetches, and the trigger collapses
those to one per second (:meth:`SnapshotClient.trigger`). It cannot send a snapshot in.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class AdminHooks:
    render_metrics: Callable[[], tuple[bytes, str]]  # GatewayMetrics.render
    snapshot_version: Callable[[], int | None]
    is_ready: Callable[[], bool]
    trigger_refresh: Callable[[], None]  # SnapshotClient.trigger
    status: Callable[[], dict[str, Any]] | None = None  # extra /healthz fields


def build_admin_app(hooks: AdminHooks) -> web.Application:
    async def metrics(request: web.Request) -> web.Response:
        body, content_type = hooks.render_metrics()
        response = web.Response(body=body)
        # prometheus_client gives "text/plain; version=0.0.4; charset=utf-8": set it whole,
        # aiohttp's content_type attribute would drop the parameters.
        response.headers["Content-Type"] = content_type
        return response

    async def healthz(request: web.Request) -> web.Response:
        version = hooks.snapshot_version()
        ready = version is not None and hooks.is_ready()
        payload: dict[str, Any] = {"status": "ok" if ready else "starting",
                                   "snapshot_version": version, "ready": ready}
        if hooks.status is not None:
            payload.update(hooks.status())
        # 503 until a snapshot is served: a load balancer must not send consumers here yet.
        return web.json_response(payload, status=200 if ready else 503,
                                 dumps=lambda value: json.dumps(value, default=str))

    async def refresh(request: web.Request) -> web.Response:
        hooks.trigger_refresh()
        return web.json_response({"status": "scheduled"}, status=202)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/snapshot/refresh", refresh)
    return app


class AdminServer:
    def __init__(self, runner: web.AppRunner, sock: socket.socket) -> None:
        self._runner = runner
        self.port: int = sock.getsockname()[1]

    async def close(self) -> None:
        await self._runner.cleanup()


async def start_admin_server(hooks: AdminHooks, *, host: str = "127.0.0.1",
                             port: int = 8081) -> AdminServer:
    """Serve the admin app on host:port (0: a free port; ``.port`` tells which)."""
    runner = web.AppRunner(build_admin_app(hooks), access_log=None)
    await runner.setup()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        await runner.cleanup()
        raise
    sock.listen(64)
    sock.setblocking(False)
    await web.SockSite(runner, sock).start()
    logger.info("admin listener on %s:%d", host, sock.getsockname()[1])
    return AdminServer(runner, sock)
