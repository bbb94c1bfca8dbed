"""Upstream failures: refused, closed mid-response, invalid, too large; never pooled again."""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket

from govhub_gateway.tests.conftest import (
    StaticPolicy,
    connect,
    echo_upstream,
    gateway,
    is_closed,
    raw_upstream,
    read_request,
    request,
    run,
)

GET = b"GET /f HTTP/1.1\r\nHost: gw\r\n\r\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def problem_type(body: bytes) -> str:
    return str(json.loads(body)["type"]).rsplit("/", 1)[1]


def test_connection_refused_gives_502_upstream_unavailable() -> None:
    async def scenario() -> None:
        policy = StaticPolicy(free_port())
        server = await gateway(policy)
        response = await request(server.port, GET)
        assert response is not None
        assert response.status == 502
        assert problem_type(response.body) == "gateway-upstream-unavailable"
        outcome = policy.completed[0][2]
        assert (outcome.status, outcome.fault_origin) == (502, "provider-technical")
        assert outcome.response_sha256 == hashlib.sha256(response.body).hexdigest()
        await server.close()
    run(scenario())


def upstream_sending(reply: bytes, *, close: bool = True):  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(reply)
            await writer.drain()
            if close:
                return
    return handle


def test_upstream_closing_before_head_gives_clean_502_and_is_not_pooled() -> None:
    async def scenario() -> None:
        upstream = await raw_upstream(upstream_sending(b"HTTP/1.1 200 OK\r\nContent-Len"))
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        for _ in range(2):
            writer.write(GET)
            response = await responses.next()
            assert response is not None
            assert response.status == 502
            assert response.complete
        assert upstream.connections == 2  # the broken connection was not reused
        assert server.pools.pools[f"http://127.0.0.1:{upstream.port}"].idle == []
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_upstream_closing_mid_body_closes_client_without_complete_message() -> None:
    async def scenario() -> None:
        cut_length = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"
        cut_chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"7\r\npartial\r\n")
        for reply in (cut_length, cut_chunked):
            upstream = await raw_upstream(upstream_sending(reply))
            policy = StaticPolicy(upstream.port)
            server = await gateway(policy)
            response = await request(server.port, GET)
            assert response is not None
            assert response.status == 200
            assert not response.complete  # no terminating chunk, no full length
            assert response.body == b"partial"
            outcome = policy.completed[0][2]
            assert outcome.error
            assert outcome.fault_origin == "provider-technical"
            await server.close()
            await upstream.close()
    run(scenario())


def test_invalid_upstream_response_gives_502_bad_response() -> None:
    async def scenario() -> None:
        upstream = await raw_upstream(upstream_sending(b"HTTP/1.1 2x0 Nope\r\n\r\n"))
        server = await gateway(StaticPolicy(upstream.port))
        response = await request(server.port, GET)
        assert response is not None
        assert response.status == 502
        assert problem_type(response.body) == "gateway-upstream-bad-response"
        await server.close()
        await upstream.close()
    run(scenario())


def test_response_over_max_response_bytes() -> None:
    async def scenario() -> None:
        declared = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + b"x" * 20
        streamed = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"8\r\nxxxxxxxx\r\n8\r\nxxxxxxxx\r\n0\r\n\r\n")
        upstream = await raw_upstream(upstream_sending(declared, close=False))
        server = await gateway(StaticPolicy(upstream.port, max_response_bytes=10))
        response = await request(server.port, GET)  # not started: a clean 502
        assert response is not None
        assert response.status == 502
        assert problem_type(response.body) == "gateway-response-too-large"
        await server.close()
        await upstream.close()
        upstream = await raw_upstream(upstream_sending(streamed, close=False))
        server = await gateway(StaticPolicy(upstream.port, max_response_bytes=10))
        responses, writer = await connect(server.port)
        writer.write(GET)
        response = await responses.next()  # started: the connection is cut
        assert response is not None
        assert response.status == 200
        assert not response.complete
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_upstream_status_sets_fault_origin() -> None:
    async def scenario() -> None:
        for status, origin in ((503, "provider-technical"), (404, "provider-business"),
                               (200, "")):
            reply = b"HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n" % status
            upstream = await raw_upstream(upstream_sending(reply))
            policy = StaticPolicy(upstream.port)
            server = await gateway(policy)
            response = await request(server.port, GET)
            assert response is not None
            assert response.status == status
            assert policy.completed[0][2].fault_origin == origin
            await server.close()
            await upstream.close()
    run(scenario())


def test_stale_pooled_connection_is_retried_for_a_bodyless_request() -> None:
    async def scenario() -> None:
        # Each connection answers one request, then drops the next one unanswered (an
        # upstream whose keep-alive timer fired as our request went out): the gateway must
        # retry on a fresh connection instead of failing the client.
        async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            await read_request(reader)

        upstream = await raw_upstream(once)
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        for _ in range(3):
            writer.write(GET)
            response = await responses.next()
            assert response is not None
            assert response.status == 200
        assert upstream.connections == 3
        # A request with a streamed body is not replayed: the client gets the 502.
        writer.write(b"POST /f HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\n\r\nx")
        response = await responses.next()
        assert response is not None
        assert response.status == 502
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_client_disconnect_completes_forward_once() -> None:
    async def scenario() -> None:
        async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            await asyncio.sleep(5)

        upstream = await raw_upstream(hang)
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        writer.write(GET)
        await asyncio.sleep(0.2)
        writer.close()
        await asyncio.sleep(0.3)
        assert len(policy.completed) == 1
        outcome = policy.completed[0][2]
        assert (outcome.status, outcome.error) == (499, "client disconnected")
        assert await is_closed(responses)
        await server.close()
        await upstream.close()
    run(scenario())


def test_capture_bodies_and_outcome_accounting() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port, capture_bodies=True)
        server = await gateway(policy)
        response = await request(server.port, b"POST /cap HTTP/1.1\r\nHost: gw\r\n"
                                 b"Content-Length: 5\r\n\r\nhello")
        assert response is not None
        head, exchange, outcome = policy.completed[0]
        assert exchange == ("ex", "/cap")
        assert head.path == "/cap"
        assert outcome.request_body == b"hello"
        assert outcome.response_body == response.body
        assert outcome.response_bytes == len(response.body)
        assert outcome.upstream_seconds is not None
        assert outcome.total_seconds > 0
        policy_no_capture = StaticPolicy(upstream.port)
        server2 = await gateway(policy_no_capture)
        await request(server2.port, GET)
        assert policy_no_capture.completed[0][2].request_body is None
        await server.close()
        await server2.close()
        await upstream.close()
    run(scenario())


def test_first_chunk_over_the_limit_still_gets_a_clean_502() -> None:
    async def scenario() -> None:
        # Head and an oversized first chunk arrive in one read: nothing reached the client
        # yet, so the answer is a clean problem, not a cut connection.
        reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + b"y" * 32
        upstream = await raw_upstream(upstream_sending(reply + b"\r\n0\r\n\r\n", close=False))
        server = await gateway(StaticPolicy(upstream.port, max_response_bytes=10))
        response = await request(server.port, GET)
        assert response is not None
        assert response.status == 502
        assert problem_type(response.body) == "gateway-response-too-large"
        await server.close()
        await upstream.close()
    run(scenario())
