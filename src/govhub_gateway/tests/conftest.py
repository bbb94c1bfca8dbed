"""Engine test kit: a static policy, raw upstreams on 127.0.0.1 whose bytes the test writes,
and a byte-level client that parses responses with httptools (so a truncated body is seen
as truncated, never as complete)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httptools
import uvloop

from govhub_gateway.engine.exchange import Forward, Outcome, ReadBody, RequestHead, Respond
from govhub_gateway.engine.limits import EngineLimits
from govhub_gateway.engine.server import GatewayServer, start_server


def run(coro: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
    """Run a test coroutine on uvloop (the production loop), with a hard stop."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(asyncio.wait_for(coro, timeout))


class StaticPolicy:
    """Forwards every request to one upstream (or answers as ``mode`` says) and records
    every ``complete`` call."""

    def __init__(self, port: int, *, mode: str = "forward", host: str = "127.0.0.1",
                 read_limit: int = 1000, **forward: Any) -> None:
        self.port, self.host, self.mode, self.read_limit = port, host, mode, read_limit
        self.forward = {"timeout_seconds": 5.0, "max_request_bytes": 1 << 30,
                        "max_response_bytes": 1 << 30} | forward
        self.completed: list[tuple[RequestHead, Any, Outcome]] = []
        self.heads: list[RequestHead] = []
        self.bodies: list[bytes] = []
        self.routes: dict[str, int] = {}  # path prefix → upstream port

    def _forward(self, head: RequestHead) -> Forward:
        port = next((p for prefix, p in self.routes.items() if head.path.startswith(prefix)),
                    self.port)
        return Forward(scheme="http", host=self.host, port=port, target=head.target,
                       exchange=("ex", head.target), **self.forward)

    def decide(self, head: RequestHead) -> Forward | Respond | ReadBody:
        self.heads.append(head)
        if self.mode == "raise" or head.path == "/boom":
            raise RuntimeError("policy bug")
        if self.mode == "refuse" or head.path == "/refuse":
            return Respond(403, [("Content-Type", "text/plain")], b"no", exchange="refused")
        if self.mode == "read":
            return ReadBody(self.read_limit)
        return self._forward(head)

    def decide_with_body(self, head: RequestHead, body: bytes) -> Forward | Respond:
        self.bodies.append(body)
        return self._forward(head)

    def complete(self, head: RequestHead, exchange: Any, outcome: Outcome) -> None:
        self.completed.append((head, exchange, outcome))


async def gateway(policy: StaticPolicy, **limits: Any) -> GatewayServer:
    return await start_server(policy, host="127.0.0.1", port=0, limits=EngineLimits(**limits))


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class RawUpstream:
    """An upstream whose behaviour the test writes byte by byte."""

    server: asyncio.Server
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        self.server.close()


async def raw_upstream(handler: Handler) -> RawUpstream:
    upstream: RawUpstream

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream.connections += 1
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await handler(reader, writer)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    upstream = RawUpstream(server)
    return upstream


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request (head, de-chunked body) as the upstream received it."""
    head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return head, body
            body += chunk[:-2]
    length = 0
    for line in lower.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head, await reader.readexactly(length)


def echo_handler(upstream_ref: list[RawUpstream]) -> Handler:
    """Keep-alive upstream answering each request with its method, path and body."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, body = await read_request(reader)
            upstream_ref[0].requests.append(head)
            line = head.split(b"\r\n")[0]
            payload = line + b"|" + body
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Up: 1\r\n\r\n%b"
                         % (len(payload), payload))
            await writer.drain()
    return handle


async def echo_upstream() -> RawUpstream:
    ref: list[RawUpstream] = []
    upstream = await raw_upstream(echo_handler(ref))
    ref.append(upstream)
    return upstream


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    complete: bool  # the message ended by its framing, not by a closed connection


class ResponseReader:
    """Parses responses from a client socket with llhttp."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.parser = httptools.HttpResponseParser(self)
        self.done: list[Response] = []
        self._headers: dict[str, str] = {}
        self._body = bytearray()
        self._complete = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode().lower()] = value.decode()

    def on_body(self, body: bytes) -> None:
        self._body += body

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        if status >= 200:
            self.done.append(Response(status, self._headers, bytes(self._body), True))
        self._headers, self._body = {}, bytearray()

    async def next(self, timeout: float = 10) -> Response | None:
        """The next final response, or the partial one when the connection closed first
        (``complete`` False), or None when nothing came."""
        while not self.done:
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not data:
                if self._headers:
                    return Response(self.parser.get_status_code(), self._headers,
                                    bytes(self._body), False)
                return None
            self.parser.feed_data(data)
        return self.done.pop(0)


async def connect(port: int) -> tuple[ResponseReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return ResponseReader(reader), writer


async def request(port: int, data: bytes) -> Response | None:
    """Send ``data`` on a new connection and read one response."""
    responses, writer = await connect(port)
    writer.write(data)
    try:
        return await responses.next()
    finally:
        writer.close()


async def is_closed(responses: ResponseReader, timeout: float = 3) -> bool:
    """True when the server closed the connection (EOF) within ``timeout``."""
    try:
        await asyncio.wait_for(responses.reader.read(), timeout)
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


async def eventually(predicate: Callable[[], bool], timeout: float = 3) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            return False
        await asyncio.sleep(0.02)
    return True
