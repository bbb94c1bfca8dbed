"""Malformed and ambiguous requests (RFC 9112 §6.1, §6.3), head/body limits, Expect."""

from __future__ import annotations

import asyncio
import json

import pytest

from govhub_gateway.tests.conftest import (
    StaticPolicy,
    connect,
    echo_upstream,
    gateway,
    is_closed,
    run,
)

AMBIGUOUS = {
    "cl_and_te": b"POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te_and_cl": b"POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n"
                 b"Content-Length: 5\r\n\r\n0\r\n\r\n",
    "duplicate_cl": b"POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n"
                    b"Content-Length: 3\r\n\r\nabc",
    "conflicting_cl": b"POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\n"
                      b"Content-Length: 4\r\n\r\nabcd",
    "list_cl": b"POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 3, 3\r\n\r\nabc",
    "te_not_final_chunked": b"POST / HTTP/1.1\r\nHost: gw\r\n"
                            b"Transfer-Encoding: chunked, gzip\r\n\r\n",
    "te_gzip_only": b"POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip\r\n\r\nabc",
    "te_gzip_chunked": b"POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip, chunked"
                       b"\r\n\r\n0\r\n\r\n",
    "bad_request_line": b"GET /\x01 HTTP/1.1\r\nHost: gw\r\n\r\n",
    "bad_header": b"GET / HTTP/1.1\r\nHost: gw\r\nBad Header: x\r\n\r\n",
    "no_host": b"GET / HTTP/1.1\r\n\r\n",
    "bad_chunk": b"POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
}


@pytest.mark.parametrize("raw", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
def test_ambiguous_or_invalid_request_gets_400_problem_and_close(raw: bytes) -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        writer.write(raw)
        response = await responses.next()
        assert response is not None
        assert response.status == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert json.loads(response.body)["type"] == "/problems/gateway-bad-request"
        assert await is_closed(responses)
        assert upstream.requests == []  # nothing was smuggled through
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_head_over_limits_gets_431() -> None:
    # A request-target over the limit gets 414 instead (test_engine_strict_http).
    async def scenario() -> None:
        server = await gateway(StaticPolicy(1), max_header_bytes=1024, max_headers=10)
        for raw in (b"GET / HTTP/1.1\r\nHost: gw\r\nX-Big: " + b"a" * 2000 + b"\r\n\r\n",
                    b"GET / HTTP/1.1\r\nHost: gw\r\n"
                    + b"".join(b"X-%d: 1\r\n" % n for n in range(11)) + b"\r\n"):
            responses, writer = await connect(server.port)
            writer.write(raw)
            response = await responses.next()
            assert response is not None
            assert response.status == 431
            assert json.loads(response.body)["type"] == "/problems/gateway-headers-too-large"
            assert await is_closed(responses)
            writer.close()
        # A header value that never ends is cut off too (memory stays bounded).
        responses, writer = await connect(server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: gw\r\nX-Endless: ")
        for _ in range(40):
            writer.write(b"a" * 4096)
        response = await responses.next()
        assert response is not None
        assert response.status == 431
        writer.close()
        await server.close()
    run(scenario())


def test_body_over_max_request_bytes_gets_413_known_length_and_chunked() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port, max_request_bytes=10)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        writer.write(b"POST /big HTTP/1.1\r\nHost: gw\r\nContent-Length: 11\r\n\r\n")
        response = await responses.next()  # answered before any body byte was sent
        assert response is not None
        assert response.status == 413
        assert await is_closed(responses)
        writer.close()
        responses, writer = await connect(server.port)
        writer.write(b"POST /big HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"6\r\nabcdef\r\n")
        await asyncio.sleep(0.05)
        writer.write(b"6\r\nghijkl\r\n")  # crosses 10 bytes
        response = await responses.next()
        assert response is not None
        assert response.status == 413
        assert json.loads(response.body)["type"] == "/problems/gateway-payload-too-large"
        assert await is_closed(responses)
        writer.close()
        # Each refused Forward still completes, with the client's fault.
        assert [o.status for _, _, o in policy.completed] == [413, 413]
        assert {o.fault_origin for _, _, o in policy.completed} == {"client"}
        await server.close()
        await upstream.close()
    run(scenario())


def test_expect_100_continue_sent_only_after_forward_and_not_passed_upstream() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        writer.write(b"PUT /e HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\n"
                     b"Expect: 100-continue\r\n\r\n")
        interim = await asyncio.wait_for(responses.reader.readuntil(b"\r\n\r\n"), 3)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(b"body")
        response = await responses.next()
        assert response is not None
        assert response.status == 200
        assert response.body == b"PUT /e HTTP/1.1|body"
        assert b"expect" not in upstream.requests[0].lower()
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_expect_100_continue_refused_gets_final_status_without_reading_body() -> None:
    async def scenario() -> None:
        policy = StaticPolicy(1)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        writer.write(b"PUT /refuse HTTP/1.1\r\nHost: gw\r\nContent-Length: 100000\r\n"
                     b"Expect: 100-continue\r\n\r\n")
        response = await responses.next(timeout=3)
        assert response is not None
        assert response.status == 403  # no 100 before it
        assert response.headers.get("connection") == "close"
        assert await is_closed(responses)
        writer.close()
        await server.close()
    run(scenario())
