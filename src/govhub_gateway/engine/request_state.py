"""Per-request state on a client connection, and the two body handlers that are not a
forward: ``Discard`` (a request answered locally; its body is read and dropped so the
connection can serve the next one) and ``BodyReader`` (``ReadBody``: the policy needs the
whole body, e.g. a SOAP envelope carrying the X-Road header, before it can route).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

import httptools

from govhub_contracts import gateway_problems as problems
from govhub_contracts.gateway_problems import GatewayProblemType
from govhub_gateway.engine.exchange import (
    Forward,
    Outcome,
    Policy,
    ReadBody,
    RequestHead,
    Respond,
)
from govhub_gateway.engine.hygiene import framing_error
from govhub_gateway.engine.limits import EngineLimits
from govhub_gateway.engine.upstream import PoolRegistry

log = logging.getLogger(__name__)


class HeadTooLargeError(Exception):
    """Raised inside a parser callback: the head is over the limits (→ 431, RFC 6585 §5)."""


class UriTooLongError(Exception):
    """Raised inside a parser callback: the request-target is over the head's limit
    (→ 414, RFC 9112 §3)."""


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


class EngineState(Protocol):
    """What a connection and its exchanges use of the server they belong to
    (``server.Engine``): a protocol, so that these modules need not import the server."""

    policy: Policy
    limits: EngineLimits
    pools: PoolRegistry
    loop: asyncio.AbstractEventLoop
    base_url: str
    closing: bool
    connections: set[Any]

    def report(self, head: RequestHead, exchange: Any, outcome: Outcome) -> None: ...


class ClientSide(Protocol):
    """What a request's body handler and its forwarded exchange use of the client
    connection (``connection.ClientConnection``), which creates them."""

    engine: EngineState
    loop: asyncio.AbstractEventLoop
    write_paused: bool

    def write(self, data: bytes) -> None: ...

    def abort(self) -> None: ...

    def pause_reading(self, reason: str, paused: bool) -> None: ...

    def dispatch(self, req: PendingRequest, decision: Forward | Respond | ReadBody,
                 body: bytes | None) -> None: ...

    def answer_problem(self, req: PendingRequest, kind: GatewayProblemType, detail: str | None,
                       *, close: bool = False, exchange: Any = None) -> None: ...

    def write_problem(self, req: PendingRequest | None, kind: GatewayProblemType,
                      detail: str | None, *, keep_alive: bool) -> tuple[int, bytes]: ...

    def response_finished(self, req: PendingRequest, *, keep_alive: bool) -> None: ...


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

    def __init__(self, conn: ClientSide, req: PendingRequest, max_bytes: int) -> None:
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


_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def _origin_form(target: str, host: str | None) -> tuple[str, str | None]:
    """The origin form of an absolute-form target (RFC 9112 §3.2.2: a server MUST accept
    it, and takes the host from it), with why it is refused, if so. Only http(s) URIs
    without userinfo (RFC 9110 §4.2.4), whose authority is the Host field's when there is
    one (RFC 9112 §3.2: a client sends Host identical to the target's authority): the
    gateway routes by path."""
    scheme, separator, rest = target.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in _DEFAULT_PORTS:
        return target, "the request-target must be origin-form or http(s) absolute-form"
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, path_query = rest[:end].lower(), rest[end:]
    default = _DEFAULT_PORTS[scheme]
    if not authority or "@" in authority:
        return target, "the absolute-form target needs an authority without userinfo"
    # HTTP/1.0 may omit Host (then the target names the host); HTTP/1.1 must send it.
    if host is not None and (host.strip().lower().removesuffix(default)
                             != authority.removesuffix(default)):
        return target, "Host differs from the absolute-form target's authority (RFC 9112 §3.2)"
    return (path_query if path_query.startswith("/") else "/" + path_query), None


def build_request(parser: httptools.HttpRequestParser, url: bytes,
                  headers: list[tuple[str, str]], client_address: str,
                  peer_sha256: str | None, *, closing: bool,
                  line_error: str | None = None) -> PendingRequest:
    """The request whose head llhttp just parsed, with why it must be refused, if so."""
    target = url.decode("latin-1")
    target_error = None
    if not target.startswith("/") and target != "*":  # "*": OPTIONS, RFC 9112 §3.2.4
        host = next((value for name, value in headers if name == "host"), None)
        target, target_error = _origin_form(target, host)
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
    version = parser.get_http_version()
    http11 = version == "1.1"
    req = PendingRequest(head, http11, parser.should_keep_alive() and not closing, chunked)
    if not version.startswith("1."):  # llhttp takes 0.9 and 2.0 too (RFC 9110 §15.6.6)
        req.reject = (problems.HTTP_VERSION_NOT_SUPPORTED, f"HTTP/{version}")
        return req
    hosts = sum(1 for name, _ in headers if name == "host")
    error = line_error or error or target_error
    if error is None and (hosts > 1 or (http11 and hosts == 0)):
        error = "a request needs exactly one Host (RFC 9112 §3.2)"
    if error is not None:
        req.reject = (problems.BAD_REQUEST, error)
    # RFC 9110 §10.1.1: 100-continue only to HTTP/1.1 clients that will send a body.
    expect = head.header("expect")
    req.expect_continue = (http11 and expect is not None
                           and expect.lower() == "100-continue" and (chunked or bool(length)))
    return req
