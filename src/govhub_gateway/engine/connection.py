"""One client connection: llhttp (httptools.HttpRequestParser) parses every request, the
Policy is asked once per head, and requests are answered in order.

Pipelined requests (RFC 9112 §9.3.2) are queued; while one waits its turn the socket is not
read, so at most one read's worth of bytes is held. Framing that could smuggle a request
(RFC 9112 §6.1, §6.3) is refused with 400 and the connection closed.

A request is started (the policy asked, the upstream written to) only once llhttp has taken
the whole read it arrived in: llhttp checks some framing only after ``on_headers_complete``
(a Transfer-Encoding it does not accept, a chunk size that is not hex), and a request it then
refuses must not have reached a provider (RFC 9112 §6.3: an invalid message is not
processed). Body bytes of a later read are streamed; a parse error there aborts the upstream
connection before the last chunk, so the provider never receives a complete request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque
from typing import Any, cast

import httptools

from govhub_contracts import gateway_problems as problems
from govhub_contracts.gateway_problems import GatewayProblemType
from govhub_gateway.engine import responses
from govhub_gateway.engine.exchange import Forward, Outcome, ReadBody, Respond
from govhub_gateway.engine.forwarding import ForwardExchange
from govhub_gateway.engine.request_line import RequestLineTracker
from govhub_gateway.engine.request_state import (
    DISCARD,
    BodyReader,
    EngineState,
    HeadTooLargeError,
    PendingRequest,
    PipelineFullError,
    UriTooLongError,
    build_request,
)

log = logging.getLogger(__name__)
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_EMPTY_SHA256 = hashlib.sha256().hexdigest()
HEAD, BODY, KEEPALIVE = 1, 2, 3  # what the connection's deadline waits for


class ClientConnection(asyncio.Protocol):
    def __init__(self, engine: EngineState) -> None:
        self.engine = engine
        self.loop = engine.loop
        self.limits = engine.limits
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[PendingRequest] = deque()  # [0] is being answered
        self.reading: PendingRequest | None = None  # the request whose body is arriving
        self.client_address = ""
        self.peer_sha256: str | None = None
        self.closed = False
        self.write_paused = False
        self.deadline_kind: int | None = HEAD
        self.deadline = 0.0
        self.head_seen = False  # some bytes of the current head arrived
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._head_bytes = 0
        self._raw_head_bytes = 0
        self._pause_reasons: set[str] = set()
        self._to_start: PendingRequest | None = None  # parsed in this read, started after it
        self._lines = RequestLineTracker()

    # -- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.engine.connections.add(self)
        peer = transport.get_extra_info("peername")
        self.client_address = str(peer[0]) if peer else ""
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            der = ssl_object.getpeercert(binary_form=True)
            if der:
                self.peer_sha256 = hashlib.sha256(der).hexdigest()
        self.deadline = self.loop.time() + self.limits.header_timeout_seconds

    def data_received(self, data: bytes) -> None:
        if self.deadline_kind == KEEPALIVE:
            self.deadline_kind = HEAD
            self.deadline = self.loop.time() + self.limits.header_timeout_seconds
        reading = self.reading
        self._lines.read_begins(data, reading is not None and reading.chunked)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, PipelineFullError):
                self._stop_reading()
            elif isinstance(exc.__context__, HeadTooLargeError):
                self._refuse_head(problems.HEADERS_TOO_LARGE, str(exc.__context__))
            elif isinstance(exc.__context__, UriTooLongError):
                # RFC 9112 §3: a request-target longer than the server parses → 414.
                self._refuse_head(problems.URI_TOO_LONG, str(exc.__context__))
            else:
                log.error("engine failure in a parser callback", exc_info=exc.__context__)
                self._refuse_head(problems.PLATFORM_ERROR, None)
            self._start_parsed()
            return
        except httptools.HttpParserUpgrade:
            # Upgrade / CONNECT are not relayed: the request was answered as plain HTTP
            # (Upgrade is hop-by-hop, RFC 9110 §7.8); what follows is not HTTP/1.1.
            self._stop_reading()
            self._start_parsed()
            return
        except httptools.HttpParserError as exc:
            if self.head_seen and self._lines.refused_major_version():
                self._refuse_head(problems.HTTP_VERSION_NOT_SUPPORTED, str(exc))
            else:
                self._refuse_head(problems.BAD_REQUEST, str(exc))
            self._start_parsed()
            return
        self._lines.read_ends(self.head_seen)
        if self._to_start is not None:
            self._start_parsed()
        if self.deadline_kind == HEAD and self.reading is None:
            # A header line llhttp is still accumulating is not seen by on_header yet.
            self._raw_head_bytes += len(data)
            if self._raw_head_bytes > 2 * self.limits.max_header_bytes + 65536:
                self._refuse_head(problems.HEADERS_TOO_LARGE, "head too large")

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.engine.connections.discard(self)
        for req in self.queue:
            if req.handler is not None:
                req.handler.client_lost()
        self.queue.clear()

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.queue and self.queue[0].handler is not None:
            self.queue[0].handler.write_paused(True)

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.queue and self.queue[0].handler is not None:
            self.queue[0].handler.write_paused(False)

    # -- httptools callbacks ------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._head_bytes = 0
        if self.deadline_kind != HEAD:
            self.deadline_kind = HEAD
            self.deadline = self.loop.time() + self.limits.header_timeout_seconds
        self.head_seen = True
        self._lines.message_begins()

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._head_bytes += len(url)
        if self._head_bytes > self.limits.max_header_bytes:
            raise UriTooLongError(f"request-target over {self.limits.max_header_bytes} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        # Inline: this runs for every header of every request.
        limits, headers = self.limits, self._headers
        self._head_bytes += len(name) + len(value) + 4
        if self._head_bytes > limits.max_header_bytes:
            raise HeadTooLargeError(f"head over {limits.max_header_bytes} bytes")
        if len(headers) >= limits.max_headers:
            raise HeadTooLargeError(f"more than {limits.max_headers} header fields")
        headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self._raw_head_bytes = 0
        self.head_seen = False
        if len(self.queue) >= self.limits.max_pipelined_requests:
            raise PipelineFullError
        parser = self.parser
        line_error = self._lines.line_error(parser.get_method(), self._url,
                                            parser.get_http_version())
        req = build_request(parser, self._url, self._headers, self.client_address,
                            self.peer_sha256, closing=self.engine.closing,
                            line_error=line_error)
        self.queue.append(req)
        self.reading = req
        if req.chunked or req.head.content_length:
            self.deadline_kind = BODY
            self.deadline = self.loop.time() + self.limits.body_idle_timeout_seconds
        else:
            self.deadline_kind = None
        if len(self.queue) == 1:
            self._to_start = req  # once llhttp has accepted the rest of this read
        elif len(self.queue) >= 2:
            self.pause_reading("pipeline", True)

    def on_body(self, body: bytes) -> None:
        req = self.reading
        if req is None:
            return
        self.deadline = self.loop.time() + self.limits.body_idle_timeout_seconds
        self._lines.body(len(body), req.chunked)
        if req.handler is not None:
            req.handler.body(body)
        else:
            req.pending.append(body)

    def on_message_complete(self) -> None:
        req, self.reading = self.reading, None
        if req is None:
            return
        req.body_done = True
        if self.deadline_kind == BODY:
            self.deadline_kind = None
        if req.handler is not None:
            req.handler.body_end()
        if req.answered and self.queue and self.queue[0] is req:
            self._advance()

    # -- requests -------------------------------------------------------------------------
    def _start_parsed(self) -> None:
        """Start the request parsed in this read, unless refusing the read dropped it."""
        req, self._to_start = self._to_start, None
        if req is not None and not self.closed and self.queue and self.queue[0] is req:
            self.start(req)

    def start(self, req: PendingRequest) -> None:
        """Ask the policy about ``req`` (it has the head of the queue)."""
        if req.reject is not None:
            self.answer_problem(req, req.reject[0], req.reject[1], close=True)
            return
        try:
            decision = self.engine.policy.decide(req.head)
        except Exception:
            log.exception("policy.decide failed for %s %s", req.head.method, req.head.target)
            self.answer_problem(req, problems.PLATFORM_ERROR, None)
            return
        self.dispatch(req, decision, None)

    def dispatch(self, req: PendingRequest, decision: Forward | Respond | ReadBody,
                 body: bytes | None) -> None:
        if isinstance(decision, Respond):
            self.answer(req, decision, body or b"")
            return
        limit = (decision.max_bytes if isinstance(decision, ReadBody)
                 else decision.max_request_bytes)
        if body is None and (req.head.content_length or 0) > limit:
            # Known before reading a byte of it (RFC 9110 §15.5.14).
            exchange = decision.exchange if isinstance(decision, Forward) else None
            self.answer_problem(req, problems.PAYLOAD_TOO_LARGE,
                                f"Content-Length over {limit} bytes", close=True,
                                exchange=exchange)
            return
        if req.expect_continue and not req.body_done and body is None:
            self.write(_CONTINUE)
        if isinstance(decision, ReadBody):
            req.handler = BodyReader(self, req, decision.max_bytes)
        else:
            req.handler = ForwardExchange(self, req, decision, body)
            req.handler.start()
        pending, req.pending = req.pending, []
        for chunk in pending:
            req.handler.body(chunk)
        if req.body_done and body is None:
            req.handler.body_end()

    # -- local answers ------------------------------------------------------------------
    def answer(self, req: PendingRequest, respond: Respond, request_body: bytes = b"") -> None:
        """A Respond decision. If the body was not read, a client that waits for
        100 Continue will not send it, so the connection closes (RFC 9110 §10.1.1);
        otherwise the body is read and dropped."""
        keep_alive = req.keep_alive and (req.body_done or not req.expect_continue)
        try:
            wire = responses.local_response(respond.status, respond.headers, respond.body,
                                            keep_alive=keep_alive,
                                            head_only=req.head.method == "HEAD")
        except (UnicodeEncodeError, ValueError):
            log.exception("policy answer cannot be encoded")
            self.answer_problem(req, problems.PLATFORM_ERROR, None)
            return
        self.write(wire)
        if respond.exchange is not None:
            self._report_local(req, respond.status, "", respond.body, respond.exchange, "",
                               request_body)
        self.response_finished(req, keep_alive=keep_alive)

    def answer_problem(self, req: PendingRequest, kind: GatewayProblemType, detail: str | None,
                       *, close: bool = False, exchange: Any = None) -> None:
        keep_alive = not close and req.keep_alive and (req.body_done or not req.expect_continue)
        status, body = self.write_problem(req, kind, detail, keep_alive=keep_alive)
        if exchange is not None:
            self._report_local(req, status, kind.fault_origin.value, body, exchange,
                               detail or kind.slug)
        self.response_finished(req, keep_alive=keep_alive)

    def write_problem(self, req: PendingRequest | None, kind: GatewayProblemType,
                      detail: str | None, *, keep_alive: bool) -> tuple[int, bytes]:
        head = req.head if req is not None else None
        headers, body = responses.problem(kind, head=head, base_url=self.engine.base_url,
                                          detail=detail)
        self.write(responses.local_response(kind.status, headers, body, keep_alive=keep_alive))
        return kind.status, body

    def _report_local(self, req: PendingRequest, status: int, fault_origin: str, body: bytes,
                      exchange: Any, error: str, request_body: bytes = b"") -> None:
        outcome = Outcome(status=status, fault_origin=fault_origin,
                          request_bytes=len(request_body), response_bytes=len(body),
                          request_sha256=(hashlib.sha256(request_body).hexdigest()
                                          if request_body else _EMPTY_SHA256),
                          response_sha256=hashlib.sha256(body).hexdigest(),
                          total_seconds=time.time() - req.head.received_at, error=error)
        self.engine.report(req.head, exchange, outcome)

    def _refuse_head(self, kind: GatewayProblemType, detail: str | None) -> None:
        """The bytes are not valid HTTP/1.1: answer unless an earlier request is still being
        answered, then close; after a framing error the connection cannot be trusted
        (RFC 9112 §2.2, §6.3)."""
        req, self.reading = self.reading, None
        if req is not None and isinstance(req.handler, ForwardExchange):
            req.handler.fail(kind, detail or kind.slug)  # body incomplete: it closes
            self.close()
            return
        first = self.queue[0] if self.queue else None
        if first is None or first is req:
            if first is None or not first.answered:
                self.write_problem(req, kind, detail, keep_alive=False)
            self.queue.clear()
            self.close()
            return
        # An earlier request is being answered: it finishes, then the connection closes.
        self._stop_reading()

    def _stop_reading(self) -> None:
        """Read nothing more; answer what is queued, then close."""
        if self.queue:
            self.queue[-1].keep_alive = False  # the earlier ones are still answered
        else:
            self.close()
        self._pause_reasons.add("stopped")
        self._set_reading()

    # -- sequencing -----------------------------------------------------------------------
    def response_finished(self, req: PendingRequest, *, keep_alive: bool) -> None:
        """The answer to ``req`` is fully written."""
        if self.closed:
            return
        if not keep_alive:
            self.close()
            return
        if not req.body_done:
            req.handler = DISCARD  # read the rest and drop it, then move on
            req.answered = True
            return
        # The exchange is over: drop the request → handler link, the one edge that made
        # request and ForwardExchange a reference cycle, so reference counting frees them
        # at once. Left to the cyclic GC, ~11 objects per exchange cost ~3 µs per request
        # in collections at 13k requests/s (benchmarks/gateway_hub.py).
        req.handler = None
        self._advance()

    def _advance(self) -> None:
        if self.queue:
            self.queue.popleft()
        if self.queue:
            if len(self.queue) == 1:
                self.pause_reading("pipeline", False)
            self.start(self.queue[0])
        elif self.reading is None and not self.head_seen:
            self.deadline_kind = KEEPALIVE
            self.deadline = self.loop.time() + self.limits.keepalive_timeout_seconds

    # -- transport helpers ----------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def close(self) -> None:
        """Close after what was written is flushed."""
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection now: a response that cannot be completed must not look
        complete (RFC 9112 §6.3: the client sees the connection close mid-body)."""
        if self.transport is not None:
            self.closed = True
            self.transport.abort()

    def close_if_idle(self) -> None:
        if not self.queue:
            self.close()
        else:
            self.queue[-1].keep_alive = False

    def pause_reading(self, reason: str, paused: bool) -> None:
        before = bool(self._pause_reasons)
        if paused:
            self._pause_reasons.add(reason)
        else:
            self._pause_reasons.discard(reason)
        if before != bool(self._pause_reasons):
            self._set_reading()

    def _set_reading(self) -> None:
        if self.transport is None or self.closed:
            return
        if self._pause_reasons:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()

    def check_deadline(self, now: float) -> None:
        """Called by the engine's sweep: enforce the head, body and keep-alive timeouts."""
        if self.deadline_kind is None or now < self.deadline or self.closed:
            return
        if self.deadline_kind == BODY:
            if self._pause_reasons:  # we stopped reading: not the client's silence
                self.deadline = now + self.limits.body_idle_timeout_seconds
                return
            self._body_timeout()
        elif self.deadline_kind == HEAD and self.head_seen and not self.queue:
            # RFC 9110 §15.5.9: 408 when the request did not arrive in time.
            self.write_problem(None, problems.REQUEST_TIMEOUT, "request head not received in "
                               f"{self.limits.header_timeout_seconds:g} s", keep_alive=False)
            self.close()
        else:
            self.close()  # idle keep-alive, a silent new connection, or a trickle behind

    def _body_timeout(self) -> None:
        """The client went silent mid-body (RFC 9110 §15.5.9: 408 if nothing was answered)."""
        req = self.reading
        detail = f"no body bytes for {self.limits.body_idle_timeout_seconds:g} s"
        if req is not None and isinstance(req.handler, ForwardExchange) and not req.handler.done:
            req.handler.fail(problems.REQUEST_TIMEOUT, detail)
        elif req is not None and self.queue and self.queue[0] is req and not req.answered:
            self.write_problem(req, problems.REQUEST_TIMEOUT, detail, keep_alive=False)
        self.close()
