"""Failover to a service's further endpoints: only when connecting failed, before
any request byte was written; never once the request may have reached a provider
(exchange contract §4); always inside the one exchange deadline (§3)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from govhub_gateway.engine.exchange import Forward, RequestHead
from govhub_gateway.engine.server import GatewayServer
from govhub_gateway.engine.upstream import UpstreamPool
from govhub_gateway.tests.conftest import (
    RawUpstream,
    StaticPolicy,
    connect,
    echo_handler,
    echo_upstream,
    gateway,
    raw_upstream,
    read_request,
    request,
    run,
)

GET = b"GET /f?q=1 HTTP/1.1\r\nHost: gw\r\n\r\n"


class FailoverPolicy(StaticPolicy):
    """Forwards to ``port`` first, then to each of ``alternates`` (ports on 127.0.0.1), with
    the consumer's own target and a Host header naming the alternate."""

    def __init__(self, port: int, alternates: list[int], **forward: Any) -> None:
        super().__init__(port, **forward)
        self.alternate_ports = alternates

    def _forward(self, head: RequestHead) -> Forward:
        forward = super()._forward(head)
        forward.alternates = tuple(("http", "127.0.0.1", port, head.target, f"alt:{port}")
                                   for port in self.alternate_ports)
        return forward


def closed_port() -> int:
    """A port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def problem_type(body: bytes) -> str:
    return str(json.loads(body)["type"]).rsplit("/", 1)[1]


def pool(server: GatewayServer, port: int) -> UpstreamPool:
    return server.pools.pools[f"http://127.0.0.1:{port}"]


@pytest.fixture
def hanging_port() -> Iterator[int]:
    """A listening socket whose accept queue is full: Linux drops further SYNs, so a connect
    hangs until its timeout (checked below so the test cannot pass by accident)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    probe = socket.socket()
    probe.settimeout(0.3)
    try:
        probe.connect(("127.0.0.1", port))
        pytest.skip("connects to a full backlog do not hang on this machine")
    except TimeoutError:
        pass
    finally:
        probe.close()
    yield port
    for sock in [*fillers, listener]:
        sock.close()


def test_refused_first_endpoint_fails_over_to_the_second() -> None:
    async def scenario() -> None:
        second = await echo_upstream()
        first = closed_port()
        policy = FailoverPolicy(first, [second.port])
        server = await gateway(policy)
        response = await request(server.port, GET)
        assert response is not None
        assert (response.status, response.body) == (200, b"GET /f?q=1 HTTP/1.1|")
        assert len(second.requests) == 1
        assert f"host: alt:{second.port}".encode() in second.requests[0].lower()
        outcome = policy.completed[0][2]
        assert (outcome.status, outcome.fault_origin) == (200, "")
        assert f"127.0.0.1:{first} unreachable" in outcome.error
        assert outcome.error.endswith(f"→ http://127.0.0.1:{second.port}")
        await server.close()
        await second.close()
    run(scenario())


@pytest.mark.parametrize("chunked", [False, True])
def test_post_body_reaches_the_second_endpoint_exactly_once(chunked: bool) -> None:
    """Nothing was sent to the refusing endpoint, so the write is safe to send on; the body
    that arrived while connecting is buffered and written once, to the second endpoint."""
    async def scenario() -> None:
        bodies: list[bytes] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            _, body = await read_request(reader)
            bodies.append(body)
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        second = await raw_upstream(handle)
        policy = FailoverPolicy(closed_port(), [second.port])
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: 11"
        writer.write(b"POST /w HTTP/1.1\r\nHost: gw\r\n%b\r\n\r\n" % framing)
        await asyncio.sleep(0.1)  # the failover happens while the body is still coming
        writer.write(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" if chunked else b"hello world")
        response = await responses.next()
        assert response is not None
        assert (response.status, response.body) == (201, b"ok")
        assert bodies == [b"hello world"]
        assert second.connections == 1
        assert policy.completed[0][2].request_bytes == 11
        writer.close()
        await server.close()
        await second.close()
    run(scenario())


@pytest.mark.parametrize("reply", [b"", b"HTTP/1.1 200 OK\r\nContent-Len"],
                         ids=["closed-before-responding", "closed-mid-response"])
def test_failure_after_the_request_was_sent_never_moves_to_another_endpoint(
        reply: bytes) -> None:
    """The first endpoint accepted the request and may have acted on it: 502, and the
    second endpoint receives nothing."""
    async def scenario() -> None:
        async def accept_then_close(reader: asyncio.StreamReader,
                                    writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(reply)
            await writer.drain()
        first = await raw_upstream(accept_then_close)
        second = await echo_upstream()
        policy = FailoverPolicy(first.port, [second.port])
        server = await gateway(policy)
        response = await request(server.port, b"POST /w HTTP/1.1\r\nHost: gw\r\n"
                                              b"Content-Length: 3\r\n\r\nabc")
        assert response is not None
        assert response.status == 502
        assert problem_type(response.body).startswith("gateway-upstream-")
        assert first.connections == 1
        assert (second.connections, second.requests) == (0, [])
        assert not pool(server, first.port).is_down(asyncio.get_running_loop().time())
        await server.close()
        await first.close()
        await second.close()
    run(scenario())


def test_every_endpoint_refusing_gives_502_naming_each() -> None:
    async def scenario() -> None:
        first, second, third = closed_port(), closed_port(), closed_port()
        policy = FailoverPolicy(first, [second, third])
        server = await gateway(policy)
        response = await request(server.port, GET)
        assert response is not None
        assert response.status == 502
        assert problem_type(response.body) == "gateway-upstream-unavailable"
        outcome = policy.completed[0][2]
        assert (outcome.status, outcome.fault_origin) == (502, "provider-technical")
        assert [pool(server, port).connects_opened for port in (first, second, third)] == [
            1, 1, 1]
        for port in (first, second, third):
            assert f"127.0.0.1:{port} unreachable" in outcome.error
        await server.close()
    run(scenario())


def test_a_hanging_connect_is_bounded_by_the_exchange_deadline(hanging_port: int) -> None:
    """The per-attempt connect timeout (5 s) is longer than the deadline (0.5 s): the
    deadline wins, 504, and no second attempt starts after it."""
    async def scenario() -> None:
        second = await echo_upstream()
        policy = FailoverPolicy(hanging_port, [second.port], timeout_seconds=0.5)
        server = await gateway(policy)
        loop = asyncio.get_running_loop()
        started = loop.time()
        response = await request(server.port, GET)
        elapsed = loop.time() - started
        assert response is not None
        assert response.status == 504
        assert problem_type(response.body) == "gateway-upstream-timeout"
        assert 0.4 < elapsed < 1.5
        assert second.connections == 0
        await server.close()
        await second.close()
    run(scenario())


def test_a_connect_timeout_fails_over_inside_the_deadline(hanging_port: int) -> None:
    async def scenario() -> None:
        second = await echo_upstream()
        policy = FailoverPolicy(hanging_port, [second.port], timeout_seconds=3.0)
        server = await gateway(policy, upstream_connect_timeout_seconds=0.3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        response = await request(server.port, GET)
        elapsed = loop.time() - started
        assert response is not None
        assert response.status == 200
        assert 0.25 < elapsed < 2.0
        assert "unreachable (connect timeout)" in policy.completed[0][2].error
        await server.close()
        await second.close()
    run(scenario())


def test_a_dead_origin_is_skipped_within_its_window_then_tried_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UpstreamPool, "down_seconds", 1.0)

    async def scenario() -> None:
        second = await echo_upstream()
        first = closed_port()
        policy = FailoverPolicy(first, [second.port])
        server = await gateway(policy)
        for _ in range(3):
            response = await request(server.port, GET)
            assert response is not None
            assert response.status == 200
        assert pool(server, first).connects_opened == 1  # refused once, then skipped
        assert len(second.requests) == 3
        assert policy.completed[-1][2].error == (
            f"failover: http://127.0.0.1:{first} skipped (recently unreachable) → "
            f"http://127.0.0.1:{second.port}")
        # The provider's first endpoint comes back; after the window it is used again.
        revived: list[RawUpstream] = []
        await asyncio.sleep(1.1)
        revived.append(await _echo_on(first))
        response = await request(server.port, GET)
        assert response is not None
        assert response.status == 200
        assert pool(server, first).connects_opened == 2
        assert (len(revived[0].requests), len(second.requests)) == (1, 3)
        assert policy.completed[-1][2].error == ""
        await server.close()
        await second.close()
        await revived[0].close()
    run(scenario())


def test_a_single_endpoint_service_always_tries_its_origin() -> None:
    """Without alternates the down mark is not consulted: each request connects (and a
    restarted provider is reached at once), as before failover existed."""
    async def scenario() -> None:
        port = closed_port()
        policy = StaticPolicy(port)
        server = await gateway(policy)
        for _ in range(2):
            response = await request(server.port, GET)
            assert response is not None
            assert response.status == 502
        assert pool(server, port).connects_opened == 2
        assert policy.completed[-1][2].error.startswith("[Errno")
        await server.close()
    run(scenario())


async def _echo_on(port: int) -> RawUpstream:
    """An echo upstream listening on a given port (to bring a dead endpoint back)."""
    ref: list[RawUpstream] = []
    handle = echo_handler(ref)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ref[0].connections += 1
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await handle(reader, writer)
        writer.close()

    ref.append(RawUpstream(await asyncio.start_server(serve, "127.0.0.1", port)))
    return ref[0]
