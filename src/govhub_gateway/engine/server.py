"""The gateway's HTTP engine, assembled: ``start_server(policy, …)`` listens and returns a
:class:`GatewayServer`. Connections are ``connection.ClientConnection``; forwarded exchanges
``forwarding.ForwardExchange``; upstream pools ``upstream.PoolRegistry``.

Deadlines (head, body silence, keep-alive idle, idle upstream connections) are plain floats
checked by one sweep per server instead of one timer per request: the hot path only stores
a number (the same trade nginx makes with its timer tree, coarser and cheaper).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from typing import Any

from govhub_gateway.engine.connection import ClientConnection
from govhub_gateway.engine.exchange import Outcome, Policy, RequestHead
from govhub_gateway.engine.limits import EngineLimits
from govhub_gateway.engine.upstream import PoolRegistry

log = logging.getLogger(__name__)


class Engine:
    """State shared by every connection of one server."""

    def __init__(self, policy: Policy, limits: EngineLimits, base_url: str) -> None:
        self.policy, self.limits, self.base_url = policy, limits, base_url
        self.loop = asyncio.get_running_loop()
        self.pools = PoolRegistry(limits)
        self.connections: set[ClientConnection] = set()
        self.closing = False
        self._sweeper = self.loop.call_later(limits.sweep_interval_seconds, self._sweep)

    def report(self, head: RequestHead, exchange: Any, outcome: Outcome) -> None:
        """policy.complete, exactly once per exchange; its failure must not hurt the client."""
        try:
            self.policy.complete(head, exchange, outcome)
        except Exception:
            log.exception("policy.complete failed for %s %s", head.method, head.target)

    def _sweep(self) -> None:
        now = self.loop.time()
        for connection in list(self.connections):
            connection.check_deadline(now)
        self.pools.sweep(now)
        if not self.closing or self.connections:  # deadlines still apply while draining
            self._sweeper = self.loop.call_later(self.limits.sweep_interval_seconds,
                                                 self._sweep)

    def close(self) -> None:
        self.closing = True
        for connection in list(self.connections):
            connection.close_if_idle()
        self.pools.close()


class GatewayServer:
    def __init__(self, server: asyncio.Server, engine: Engine) -> None:
        self.server, self.engine = server, engine

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return tuple(self.server.sockets)

    @property
    def port(self) -> int:
        return int(self.server.sockets[0].getsockname()[1])

    @property
    def connection_count(self) -> int:
        """Open client connections (tests assert it returns to zero)."""
        return len(self.engine.connections)

    @property
    def pools(self) -> PoolRegistry:
        return self.engine.pools

    async def close(self) -> None:
        """Stop accepting, close idle keep-alive connections (busy ones close after their
        response) and the upstream pools."""
        self.server.close()
        self.engine.close()
        await asyncio.sleep(0)


async def start_server(policy: Policy, *, host: str, port: int,
                       limits: EngineLimits | None = None,
                       ssl_context: ssl.SSLContext | None = None,
                       problem_base_url: str = "") -> GatewayServer:
    """Listen on host:port. ``ssl_context`` is used as given: the caller decides whether
    client certificates are required (its ``verify_mode``)."""
    engine = Engine(policy, limits or EngineLimits(), problem_base_url)
    server = await engine.loop.create_server(lambda: ClientConnection(engine), host, port,
                                             ssl=ssl_context, backlog=1024)
    return GatewayServer(server, engine)
