"""Per-request state on a client connection, and the two body handlers that are not a
forward: ``Discard`` (a request answered locally; its body is read and dropped so the
connection can serve the next one) and ``BodyReader`` (``ReadBody``: the policy needs the
whole body, e.g. a SOAP envelope carrying the X-Road header, before it can route).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import httptools

from govhub_contracts import gateway_problems as problems
from govhub_contracts.gateway_problems import GatewayProblemType
from govhub_gateway.engine.exchange import ReadBody, RequestHead
from govhub_gateway.engine.hygiene import framing_error

if TYPE_CHECKING:
    from govhub_gateway.engine.connection import ClientConnection

log = logging.getLogger(__name__)


class HeadTooLargeError(Exception):
    """Raised inside a parser callback: the head is over the limits (→ 431, RFC 6585 §5)."""


class PipelineFullError(Exception):
    """Raised inside a parser callback: too many requests queued behind the one being
    answered. The queued ones are answered, then the connection closes (RFC 9112 §9.3.2
    lets a server close; clients retry what was not answered)."""


class PendingRequest:
    """A parsed request head, the state of its body and of its answer."""

    __slots__ = ("answered", "body_done", "chunked", "expect_continue", "handler", "head",
                 "http11", "keep_alive", "pending", "reject")

    def __init__(self, head: RequestHead, http11: bool, keep_alive: bool, chunked: bool) -> None:
        self.head, self.http11, self.keep_alive, self.chunked = head, http11, keep_alive, chunked
        self.body_done = False
        self.answered = False  # its answer is written; the rest of its body is dropped
        self.expect_continue = False
        self.pending: list[bytes] = []  # body bytes that arrived before the request started
        self.handler: Any = None  # ForwardExchange | BodyReader | Discard once started
        self.reject: tuple[GatewayProblemType, str] | None = None


class Discard:
    """Body of a request already answered locally: read and dropped (keeps the connection)."""

    def body(self, chunk: bytes) -> None:
        pass

    def body_end(self) -> None:
        pass

    def write_paused(self, paused: bool) -> None:
        pass

    def client_lost(self) -> None:
        pass


DISCARD = Discard()


class BodyReader(Discard):
    """ReadBody: collect the body (≤ max_bytes), then ask ``decide_with_body``."""

    def __init__(self, conn: ClientConnection, req: PendingRequest, max_bytes: int) -> None:
        self.conn, self.req, self.max_bytes = conn, req, max_bytes
        self.chunks: list[bytes] = []
        self.size = 0

    def body(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.req.handler = DISCARD
            self.chunks.clear()
            self.conn.answer_problem(self.req, problems.PAYLOAD_TOO_LARGE,
                                     f"body over {self.max_bytes} bytes", close=True)
            return
        self.chunks.append(chunk)

    def body_end(self) -> None:
        body = b"".join(self.chunks)
        self.chunks.clear()
        self.req.handler = DISCARD
        try:
            decision = self.conn.engine.policy.decide_with_body(self.req.head, body)
            if isinstance(decision, ReadBody):
                raise TypeError("decide_with_body returned ReadBody")
        except Exception:
            log.exception("policy.decide_with_body failed")
            self.conn.answer_problem(self.req, problems.PLATFORM_ERROR, None)
            return
        self.conn.dispatch(self.req, decision, body)


def build_request(parser: httptools.HttpRequestParser, url: bytes,
                  headers: list[tuple[str, str]], client_address: str,
                  peer_sha256: str | None, *, closing: bool) -> PendingRequest:
    """The request whose head llhttp just parsed, with why it must be refused, if so."""
    target = url.decode("latin-1")
    path, _, query = target.partition("?")
    chunked = False
    length: int | None = None
    error = framing_error(headers)
    for name, value in headers:
        if name == "transfer-encoding":
            chunked = True
        elif name == "content-length" and error is None:
            length = int(value)
    head = RequestHead(method=parser.get_method().decode("latin-1"), target=target,
                       path=path, query=query, headers=headers, client_address=client_address,
                       received_at=time.time(), peer_certificate_sha256=peer_sha256,
                       content_length=None if chunked else length)
    http11 = parser.get_http_version() == "1.1"
    req = PendingRequest(head, http11, parser.should_keep_alive() and not closing, chunked)
    hosts = sum(1 for name, _ in headers if name == "host")
    if error is None and (hosts > 1 or (http11 and hosts == 0)):
        error = "a request needs exactly one Host (RFC 9112 §3.2)"
    if error is not None:
        req.reject = (problems.BAD_REQUEST, error)
    # RFC 9110 §10.1.1: 100-continue only to HTTP/1.1 clients that will send a body.
    expect = head.header("expect")
    req.expect_continue = (http11 and expect is not None
                           and expect.lower() == "100-continue" and (chunked or bool(length)))
    return req
