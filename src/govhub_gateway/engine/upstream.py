"""Upstream side of the engine: one connection pool per origin and the protocol that talks
HTTP/1.1 to a provider, parsed by llhttp (httptools.HttpResponseParser).

Hot path: a pooled, idle connection is handed over synchronously (no coroutine, no future);
a coroutine runs only to open a new connection. The pool caps connections per origin (the
bulkhead of exchange contract §3: one slow provider cannot take every socket) and queues the
excess; a queued request leaves the queue when its own exchange deadline fires. A connection
that failed in any way is closed, never pooled again.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from typing import Protocol, cast

import httptools

from govhub_contracts import gateway_problems as problems
from govhub_contracts.gateway_problems import GatewayProblemType
from govhub_gateway.engine.limits import EngineLimits


class UpstreamListener(Protocol):
    """What the client-side exchange implements to hear from its upstream connection."""

    awaiting_upstream: bool

    def upstream_ready(self, connection: UpstreamConnection) -> None: ...
    def upstream_failed(self, kind: GatewayProblemType, error: str) -> None: ...
    # Connecting failed (refused, unreachable, connect timeout): no byte was written.
    def upstream_unreachable(self, error: str) -> None: ...
    def upstream_head(self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]],
                      content_length: int | None) -> None: ...
    def upstream_body(self, chunk: bytes) -> None: ...
    def upstream_complete(self, reusable: bool) -> None: ...
    def upstream_flush(self) -> None: ...
    def upstream_pause(self, paused: bool) -> None: ...


class UpstreamConnection(asyncio.Protocol):
    """One connection to a provider; serves one request at a time (no pipelining upstream,
    RFC 9112 §9.3.2 lets us choose)."""

    def __init__(self, pool: UpstreamPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.listener: UpstreamListener | None = None
        self.idle_since = 0.0
        self.requests_served = 0
        self.no_body = False  # the request was HEAD: the response has no body (RFC 9110 §9.3.2)
        self._parser = httptools.HttpResponseParser(self)
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._in_message = False
        self._until_close = False
        self._closed = False

    # -- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.listener is None:
            # RFC 9112 §9.3: bytes on an idle connection mean it is out of step; drop it.
            self.abort()
            return
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail(problems.UPSTREAM_BAD_RESPONSE, f"invalid response: {exc}")
            return
        if self.listener is not None:
            self.listener.upstream_flush()

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self.pool.lost(self)
        if self.listener is None:
            return
        if self._in_message and self._until_close:
            # RFC 9112 §6.3 item 8: no length and not chunked → the body ends at close.
            listener, self.listener = self.listener, None
            listener.upstream_complete(False)
        elif self._in_message:
            self._fail(problems.UPSTREAM_BAD_RESPONSE, "upstream closed mid-response")
        else:
            self._fail(problems.UPSTREAM_UNAVAILABLE, "upstream closed before responding")

    def pause_writing(self) -> None:
        if self.listener is not None:
            self.listener.upstream_pause(True)

    def resume_writing(self) -> None:
        if self.listener is not None:
            self.listener.upstream_pause(False)

    # -- httptools callbacks ------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._headers = []
        self._in_message = True

    def on_status(self, status: bytes) -> None:
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:
            return  # interim responses (103 Early Hints, …) are not relayed
        length: int | None = None
        chunked = False
        for name, value in self._headers:
            lower = name.lower()
            if lower == b"content-length":
                length = int(value)
            elif lower == b"transfer-encoding":
                chunked = True
        self._until_close = (length is None and not chunked and not self.no_body
                             and status not in (204, 304))
        reason, self._reason = self._reason, b""
        if self.listener is not None:
            self.listener.upstream_head(status, reason, self._headers, length)
        if self.no_body and self.listener is not None:
            # llhttp cannot be told the request was HEAD; the message ends with its head.
            reusable = self._parser.should_keep_alive()
            self._parser = httptools.HttpResponseParser(self)
            self._message_done(reusable)

    def on_body(self, body: bytes) -> None:
        if self.listener is not None:
            self.listener.upstream_body(body)

    def on_message_complete(self) -> None:
        if self._parser.get_status_code() < 200:
            self._reason = b""
            return
        self._message_done(self._parser.should_keep_alive())

    # -- used by the exchange -----------------------------------------------------------
    def attach(self, listener: UpstreamListener, *, no_body: bool) -> None:
        self.listener = listener
        self.no_body = no_body
        self.requests_served += 1

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self._closed:
            self.transport.write(data)

    def release(self, reusable: bool) -> None:
        """The exchange is done with this connection: pool it or close it."""
        self.listener = None
        if reusable and not self._closed:
            self.pause_reading(False)  # a slow client may have paused it; the next may not
            self.pool.put_back(self)
        else:
            self.abort()

    def abort(self) -> None:
        self.listener = None
        if self.transport is not None and not self._closed:
            self._closed = True
            self.transport.abort()

    def pause_reading(self, paused: bool) -> None:
        if self.transport is None or self._closed:
            return
        if paused:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()

    @property
    def is_usable(self) -> bool:
        return not self._closed and self.transport is not None and not self.transport.is_closing()

    def _message_done(self, keep_alive: bool) -> None:
        self._in_message = False
        reusable = keep_alive and not self._until_close
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.upstream_complete(reusable)

    def _fail(self, kind: GatewayProblemType, error: str) -> None:
        listener, self.listener = self.listener, None
        self.abort()
        if listener is not None:
            listener.upstream_failed(kind, error)


class UpstreamPool:
    """Connections to one origin, at most ``limits.upstream_max_connections`` of them.

    A connect failure marks the origin down for ``down_seconds``; an exchange with other
    endpoints to fail over to skips it meanwhile (``is_down``). Why a fixed window: a refused
    connect on a LAN costs well under a millisecond, but an origin that silently drops SYNs
    costs the whole connect timeout (5 s by default) on every request. Five seconds bounds
    that cost to one attempt per window while letting a restarted provider back in almost at
    once; nothing is probed in the background, the first request after the window is the
    probe. A single-endpoint service never consults the mark: it always tries its origin.
    """

    down_seconds = 5.0

    def __init__(self, scheme: str, host: str, port: int, limits: EngineLimits) -> None:
        self.host, self.port, self.limits = host, port, limits
        self.ssl: ssl.SSLContext | None = (ssl.create_default_context() if scheme == "https"
                                           else None)
        self.idle: list[UpstreamConnection] = []
        self.total = 0
        self.waiters: deque[tuple[UpstreamListener, bool]] = deque()
        self.connects_opened = 0  # connections ever opened (tests and metrics)
        self.down_until = 0.0  # loop time until which the origin counts as unreachable
        self._closed = False
        self._connecting: set[asyncio.Task[None]] = set()  # strong refs: tasks are weak

    def acquire(self, listener: UpstreamListener, *, no_body: bool = False) -> None:
        """Hand ``listener`` a connection now, or as soon as one is free."""
        listener.awaiting_upstream = True
        while self.idle:
            connection = self.idle.pop()  # LIFO: the warmest connection, the others age out
            if connection.is_usable:
                listener.awaiting_upstream = False
                connection.attach(listener, no_body=no_body)
                listener.upstream_ready(connection)
                return
        if self.total < self.limits.upstream_max_connections:
            self._open(listener, no_body)
        else:
            self.waiters.append((listener, no_body))

    def is_down(self, now: float) -> bool:
        """A connect failed less than ``down_seconds`` before ``now`` (loop time)."""
        return now < self.down_until

    def cancel(self, listener: UpstreamListener) -> None:
        """The exchange gave up waiting (deadline, client gone)."""
        listener.awaiting_upstream = False
        # A listener still queued is skipped when its turn comes (awaiting_upstream is False);
        # one that was connecting gets its new connection put in the idle list instead.

    def put_back(self, connection: UpstreamConnection) -> None:
        while self.waiters:
            listener, no_body = self.waiters.popleft()
            if listener.awaiting_upstream:
                listener.awaiting_upstream = False
                connection.attach(listener, no_body=no_body)
                listener.upstream_ready(connection)
                return
        if self._closed:
            connection.abort()
            return
        connection.idle_since = asyncio.get_running_loop().time()
        self.idle.append(connection)

    def lost(self, connection: UpstreamConnection) -> None:
        self.total -= 1
        if connection in self.idle:
            self.idle.remove(connection)
        self._serve_waiter()

    def _serve_waiter(self) -> None:
        """A slot freed up: open a connection for the first request still waiting."""
        while self.waiters and self.total < self.limits.upstream_max_connections:
            listener, no_body = self.waiters.popleft()
            if listener.awaiting_upstream:
                self._open(listener, no_body)
                return

    def sweep(self, now: float) -> None:
        """Close connections idle for longer than ``upstream_idle_seconds``."""
        limit = now - self.limits.upstream_idle_seconds
        for connection in [c for c in self.idle if c.idle_since < limit]:
            connection.abort()

    def close(self) -> None:
        self._closed = True
        for connection in list(self.idle):
            connection.abort()
        self.idle.clear()

    def _open(self, listener: UpstreamListener, no_body: bool) -> None:
        self.total += 1
        self.connects_opened += 1
        task = asyncio.get_running_loop().create_task(self._connect(listener, no_body))
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)

    async def _connect(self, listener: UpstreamListener, no_body: bool) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(lambda: UpstreamConnection(self), self.host, self.port,
                                       ssl=self.ssl),
                self.limits.upstream_connect_timeout_seconds)
        except (TimeoutError, OSError) as exc:
            self.total -= 1
            self.down_until = loop.time() + self.down_seconds
            if listener.awaiting_upstream:
                listener.awaiting_upstream = False
                reason = "connect timeout" if isinstance(exc, TimeoutError) else str(exc)
                listener.upstream_unreachable(reason)
            self._serve_waiter()
            return
        self.down_until = 0.0
        if listener.awaiting_upstream:
            listener.awaiting_upstream = False
            connection.attach(listener, no_body=no_body)
            listener.upstream_ready(connection)
        else:
            self.put_back(connection)


class PoolRegistry:
    """One pool per origin (``scheme://host:port``), created on first use."""

    def __init__(self, limits: EngineLimits) -> None:
        self.limits = limits
        self.pools: dict[str, UpstreamPool] = {}

    def get(self, scheme: str, host: str, port: int, origin: str) -> UpstreamPool:
        pool = self.pools.get(origin)
        if pool is None:
            pool = self.pools[origin] = UpstreamPool(scheme, host, port, self.limits)
        return pool

    def sweep(self, now: float) -> None:
        for pool in self.pools.values():
            pool.sweep(now)

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
