"""One forwarded exchange: the client's request streamed to a pooled upstream connection and
the response streamed back, chunk by chunk, with back-pressure both ways and one deadline
(``Forward.timeout_seconds``, connect to last byte, exchange contract §3).

Failover: when connecting to the origin fails — refused, unreachable, connect
timeout — no byte of the request has been written, so the next of ``Forward.alternates`` is
tried, each with its own pool and per-attempt connect timeout, all inside the one deadline.
Once a request byte may have reached a provider, a failure stays a 502/504: it is never sent
to another endpoint, which might act on it a second time (exchange contract §4).

Bodies are never buffered whole: each chunk is hashed (SHA-256 for the evidence log),
counted against the route's limits and written on. When the other side's write buffer is
full the reading side is paused (asyncio's pause_writing / pause_reading protocol).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import replace
from typing import Any

from govhub_contracts import gateway_problems as problems
from govhub_contracts.gateway_problems import GatewayProblemType
from govhub_contracts.problem import FaultOrigin
from govhub_gateway.engine.exchange import Forward, Outcome
from govhub_gateway.engine.hygiene import client_response_headers, upstream_request_headers
from govhub_gateway.engine.request_state import ClientSide, PendingRequest
from govhub_gateway.engine.upstream import UpstreamConnection

log = logging.getLogger(__name__)
# One of Forward.alternates: (scheme, host, port, target, host_header).
Origin = tuple[str, str, int, str, str]
_LAST_CHUNK = b"0\r\n\r\n"


def status_fault_origin(status: int) -> str:
    """The exchange contract's taxonomy for an upstream's own status (exchange contract §2)."""
    if status >= 500:
        return FaultOrigin.PROVIDER_TECHNICAL.value
    if status >= 400:
        return FaultOrigin.PROVIDER_BUSINESS.value
    return ""


_EMPTY_SHA256 = hashlib.sha256().hexdigest()


class ForwardExchange:
    __slots__ = (
        "awaiting_upstream", "client_chunked", "conn", "done", "error", "fault_origin",
        "fixed_length", "forward", "head_sent", "out", "pending", "pending_bytes", "pool", "replay",
        "replayable", "req", "request_bytes", "request_capture", "request_chunked",
        "request_done", "request_hash", "response_bytes", "response_capture", "response_hash",
        "retried", "sent_at", "status", "timer", "upstream", "upstream_seconds",
    )

    def __init__(self, conn: ClientSide, req: PendingRequest, forward: Forward,
                 body: bytes | None) -> None:
        self.conn, self.req, self.forward = conn, req, forward
        self.awaiting_upstream = False
        self.upstream: UpstreamConnection | None = None
        self.pool = conn.engine.pools.get(forward.scheme, forward.host, forward.port,
                                          forward.origin)
        # Created at the first body byte: most calls are bodiless GETs (_EMPTY_SHA256 then).
        self.request_hash: Any = None
        self.response_hash = hashlib.sha256()
        self.request_capture: list[bytes] | None = [] if forward.capture_bodies else None
        self.response_capture: list[bytes] | None = [] if forward.capture_bodies else None
        self.request_bytes = self.response_bytes = self.pending_bytes = 0
        self.pending: list[bytes] = []
        self.request_chunked = req.chunked and body is None
        self.request_done = False
        self.head_sent = self.client_chunked = self.done = False
        self.status = 0
        # The response head waits here for the first body bytes of the same read: one
        # write (one send(2)) instead of two for a typical small response.
        self.out: bytes | None = None
        self.fault_origin = self.error = ""
        self.sent_at = 0.0
        self.upstream_seconds: float | None = None
        self.fixed_length = req.head.content_length if body is None else len(body)
        # A request with no streamed body can be sent again on a fresh connection when a
        # pooled one turns out to be closed by the upstream (RFC 9112 §9.3.1: retry).
        self.replay: list[bytes] | None = None
        self.replayable = body is not None or not (req.chunked or req.head.content_length)
        self.retried = False
        self.timer = conn.loop.call_later(forward.timeout_seconds, self._on_deadline)
        if body is not None:
            self._account_request(body)
            self.pending.append(body)
            self.request_done = True

    def start(self) -> None:
        if self.forward.alternates:
            self._skip_down_origins()
        self.pool.acquire(self, no_body=self.req.head.method == "HEAD")

    # -- client side ----------------------------------------------------------------------
    def body(self, chunk: bytes) -> None:
        if self.done:
            return
        self._account_request(chunk)
        if self.request_bytes > self.forward.max_request_bytes:
            self.fail(problems.PAYLOAD_TOO_LARGE, "request body over the route's limit")
            return
        data = b"%x\r\n%b\r\n" % (len(chunk), chunk) if self.request_chunked else chunk
        if self.upstream is not None:
            self.upstream.write(data)
            return
        self.pending.append(data)
        self.pending_bytes += len(data)
        if self.pending_bytes > self.conn.engine.limits.max_buffered_request_bytes:
            self.conn.pause_reading("connecting", True)

    def body_end(self) -> None:
        if self.done:
            return
        self.request_done = True
        if self.request_chunked:
            if self.upstream is not None:
                self.upstream.write(_LAST_CHUNK)
            else:
                self.pending.append(_LAST_CHUNK)

    def write_paused(self, paused: bool) -> None:
        if self.upstream is not None:
            self.upstream.pause_reading(paused)

    def client_lost(self) -> None:
        if self.done:
            return
        self._drop_upstream()
        self.error = "client disconnected"
        self.fault_origin = FaultOrigin.CLIENT.value
        if not self.head_sent:
            self.status = 499  # nginx's "client closed request": nothing was received
        self._finish(keep_alive=False)

    # -- upstream side (UpstreamListener) -------------------------------------------------
    def upstream_ready(self, connection: UpstreamConnection) -> None:
        self.upstream = connection
        req = self.req
        lines = upstream_request_headers(req.head, self.forward)
        if self.request_chunked:
            lines.append("transfer-encoding: chunked")
        elif self.fixed_length is not None:
            lines.append(f"content-length: {self.fixed_length}")
        head = f"{req.head.method} {self.forward.target} HTTP/1.1\r\n" + "\r\n".join(lines)
        connection.write((head + "\r\n\r\n").encode("latin-1") + b"".join(self.pending))
        if self.replayable and not self.retried and connection.requests_served > 1:
            self.replay = self.pending
            self.pending = []
        else:
            self.pending.clear()
        self.pending_bytes = 0
        self.sent_at = self.conn.loop.time()
        self.conn.pause_reading("connecting", False)
        if self.conn.write_paused:
            connection.pause_reading(True)

    def upstream_failed(self, kind: GatewayProblemType, error: str) -> None:
        self.upstream = None
        if self.replay is not None and kind is problems.UPSTREAM_UNAVAILABLE and not self.done:
            # The pooled connection was closed by the upstream as we reused it; nothing
            # reached the provider's application, so one retry on a new connection is safe.
            self.pending, self.replay, self.retried = self.replay, None, True
            self.pool.acquire(self, no_body=self.req.head.method == "HEAD")
            return
        self.fail(kind, error)

    def upstream_unreachable(self, error: str) -> None:
        """Connecting failed before any byte was sent: the next endpoint, if any. Not after
        a replay (``retried``): that request was written to a pooled connection once."""
        alternates = self.forward.alternates
        if self.done or not alternates or self.retried:
            self.fail(problems.UPSTREAM_UNAVAILABLE,
                      f"{self.error} unreachable ({error})" if self.error else error)
            return
        order = self._up_first(list(alternates))
        self._note_failover(f"unreachable ({error})", order[0])
        self._switch(order[0], tuple(order[1:]))
        self.pool.acquire(self, no_body=self.req.head.method == "HEAD")

    def upstream_head(self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]],
                      content_length: int | None) -> None:
        no_body = self.req.head.method == "HEAD" or status in (204, 304)
        if (not no_body and content_length is not None
                and content_length > self.forward.max_response_bytes):
            self.fail(problems.RESPONSE_TOO_LARGE, f"Content-Length {content_length}")
            return
        lines = client_response_headers(headers)
        keep_alive = self.req.keep_alive
        if content_length is not None and status != 204:
            lines.append(b"Content-Length: %d" % content_length)
        elif not no_body and self.req.http11:
            lines.append(b"Transfer-Encoding: chunked")
            self.client_chunked = True
        elif not no_body:
            keep_alive = self.req.keep_alive = False  # HTTP/1.0: the body ends at close
        if not keep_alive:
            lines.append(b"Connection: close")
        elif not self.req.http11:
            lines.append(b"Connection: keep-alive")
        self.out = b"HTTP/1.1 %d %b\r\n%b\r\n\r\n" % (status, reason or b"Status",
                                                       b"\r\n".join(lines))
        self.head_sent = True
        self.replay = None
        self.status = status
        self.fault_origin = status_fault_origin(status)

    def upstream_body(self, chunk: bytes) -> None:
        if self.done:
            return
        self.response_bytes += len(chunk)
        if self.response_bytes > self.forward.max_response_bytes:
            self.fail(problems.RESPONSE_TOO_LARGE, "response body over the route's limit")
            return
        self.response_hash.update(chunk)
        if self.response_capture is not None:
            self.response_capture.append(chunk)
        data = b"%x\r\n%b\r\n" % (len(chunk), chunk) if self.client_chunked else chunk
        if self.out is not None:
            data, self.out = self.out + data, None
        self.conn.write(data)

    def upstream_flush(self) -> None:
        if self.out is not None:
            self.conn.write(self.out)
            self.out = None

    def upstream_complete(self, reusable: bool) -> None:
        if self.done:
            return
        if self.client_chunked:
            self.out = (self.out or b"") + _LAST_CHUNK
        self.upstream_flush()
        self.upstream_seconds = self.conn.loop.time() - self.sent_at
        self.replay = None
        upstream, self.upstream = self.upstream, None
        if upstream is not None:
            # A request body the upstream did not wait for leaves the connection mid-message.
            upstream.release(reusable and self.request_done)
        # RFC 9112 §9.6: a client still sending a body we will not read is closed on.
        self._finish(keep_alive=self.req.keep_alive and self.req.body_done)

    def upstream_pause(self, paused: bool) -> None:
        self.conn.pause_reading("upstream", paused)

    # -- failures ---------------------------------------------------------------------------
    def fail(self, kind: GatewayProblemType, error: str) -> None:
        """End the exchange with an engine error: a problem+json answer when the client has
        received nothing yet, else a closed connection (a truncated body must never look
        complete, so no last chunk is written)."""
        if self.done:
            return
        self._drop_upstream()
        self.error = error
        self.fault_origin = kind.fault_origin.value
        if self.out is not None:
            self.out, self.head_sent = None, False  # built but never written: still clean
        if self.head_sent:
            self.conn.abort()
            self._finish(keep_alive=False)
            return
        keep_alive = (self.req.keep_alive and self.req.body_done
                      and kind is not problems.PAYLOAD_TOO_LARGE)
        self.status, body = self.conn.write_problem(self.req, kind, error, keep_alive=keep_alive)
        self.response_hash = hashlib.sha256(body)
        self.response_bytes = len(body)
        self._finish(keep_alive=keep_alive)

    def _skip_down_origins(self) -> None:
        """Try origins that failed to connect in the last ``UpstreamPool.down_seconds`` only
        after the others, so that each request does not pay a refused connect (or a connect
        timeout) first. Only services with alternates get here."""
        if not self.pool.is_down(self.conn.loop.time()):
            return
        forward = self.forward
        first = (forward.scheme, forward.host, forward.port, forward.target,
                 forward.host_header or f"{forward.host}:{forward.port}")
        order = self._up_first([first, *forward.alternates])
        if order[0] is not first:
            self._note_failover("skipped (recently unreachable)", order[0])
            self._switch(order[0], tuple(order[1:]))

    def _up_first(self, origins: list[Origin]) -> list[Origin]:
        """``origins`` in their order, those marked down moved to the end: a mark is a hint,
        not a verdict, so they are still tried when nothing else is left."""
        now, pools = self.conn.loop.time(), self.conn.engine.pools.pools
        up: list[Origin] = []
        down: list[Origin] = []
        for origin in origins:
            pool = pools.get(f"{origin[0]}://{origin[1]}:{origin[2]}")
            (down if pool is not None and pool.is_down(now) else up).append(origin)
        return up + down

    def _note_failover(self, why: str, to: Origin) -> None:
        """Outcome.error says which endpoints failed and which one was tried next, e.g.
        "failover: http://a:80 unreachable (…) → http://b:80"."""
        start = self.error or f"failover: {self.forward.origin}"
        self.error = f"{start} {why} → {to[0]}://{to[1]}:{to[2]}"

    def _switch(self, origin: Origin,
                rest: tuple[Origin, ...]) -> None:
        scheme, host, port, target, host_header = origin
        self.forward = replace(self.forward, scheme=scheme, host=host, port=port,
                               target=target, host_header=host_header, alternates=rest)
        self.pool = self.conn.engine.pools.get(scheme, host, port, self.forward.origin)

    def _on_deadline(self) -> None:
        self.fail(problems.UPSTREAM_TIMEOUT,
                  f"no complete response within {self.forward.timeout_seconds:g} s")

    def _drop_upstream(self) -> None:
        if self.upstream is not None:
            self.upstream.abort()
            self.upstream = None
        elif self.awaiting_upstream:
            self.pool.cancel(self)

    def _account_request(self, chunk: bytes) -> None:
        self.request_bytes += len(chunk)
        if self.request_hash is None:
            self.request_hash = hashlib.sha256()
        self.request_hash.update(chunk)
        if self.request_capture is not None:
            self.request_capture.append(chunk)

    def _finish(self, *, keep_alive: bool) -> None:
        self.done = True
        self.timer.cancel()
        if self.upstream_seconds is None and self.sent_at:
            # The request (or its head) was written to the provider, then the exchange
            # failed: the evidence must say it was forwarded (exchange contract §10).
            self.upstream_seconds = self.conn.loop.time() - self.sent_at
        self.conn.pause_reading("connecting", False)
        self.conn.pause_reading("upstream", False)
        head = self.req.head
        outcome = Outcome(
            status=self.status, fault_origin=self.fault_origin,
            request_bytes=self.request_bytes, response_bytes=self.response_bytes,
            request_sha256=(self.request_hash.hexdigest() if self.request_hash is not None
                            else _EMPTY_SHA256),
            response_sha256=self.response_hash.hexdigest(),
            total_seconds=time.time() - head.received_at,
            upstream_seconds=self.upstream_seconds,
            request_body=(b"".join(self.request_capture)
                          if self.request_capture is not None else None),
            response_body=(b"".join(self.response_capture)
                           if self.response_capture is not None else None),
            error=self.error,
        )
        self.conn.engine.report(head, self.forward.exchange, outcome)
        self.conn.response_finished(self.req, keep_alive=keep_alive)
