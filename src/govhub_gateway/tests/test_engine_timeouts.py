"""Slowloris, idle keep-alive, silent bodies, slow and hung upstreams, bulkheads."""

from __future__ import annotations

import asyncio
import json
import time

from govhub_gateway.tests.conftest import (
    StaticPolicy,
    connect,
    echo_upstream,
    eventually,
    gateway,
    is_closed,
    raw_upstream,
    read_request,
    request,
    run,
)

FAST = {"header_timeout_seconds": 0.4, "keepalive_timeout_seconds": 0.4,
        "body_idle_timeout_seconds": 0.4}


def test_slowloris_head_gets_408_and_is_dropped() -> None:
    async def scenario() -> None:
        server = await gateway(StaticPolicy(1), **FAST)
        responses, writer = await connect(server.port)
        started = time.monotonic()
        writer.write(b"GET / HTTP/1.1\r\nHost: gw\r\n")

        async def trickle() -> None:
            for n in range(50):
                writer.write(b"X-%d: 1\r\n" % n)
                await asyncio.sleep(0.05)

        dripping = asyncio.ensure_future(trickle())
        response = await responses.next(timeout=3)
        assert response is not None
        assert response.status == 408
        assert json.loads(response.body)["type"] == "/problems/gateway-request-timeout"
        assert time.monotonic() - started < 1.5
        assert await is_closed(responses)
        dripping.cancel()
        writer.close()
        assert await eventually(lambda: server.connection_count == 0)
        await server.close()
    run(scenario())


def test_idle_and_silent_connections_are_closed() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        server = await gateway(StaticPolicy(upstream.port), **FAST)
        silent_responses, silent = await connect(server.port)  # never sends a byte
        responses, writer = await connect(server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: gw\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert response.status == 200
        assert server.connection_count == 2
        assert await is_closed(responses, timeout=2)  # keep-alive idle, no 408 sent
        assert await is_closed(silent_responses, timeout=2)
        assert silent_responses.done == []
        assert await eventually(lambda: server.connection_count == 0)
        writer.close()
        silent.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_client_silent_mid_body_gets_408_and_forward_completes() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy, **FAST)
        responses, writer = await connect(server.port)
        writer.write(b"POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nabc")
        response = await responses.next(timeout=3)
        assert response is not None
        assert response.status == 408
        assert await is_closed(responses)
        assert await eventually(lambda: len(policy.completed) == 1)
        assert policy.completed[0][2].status == 408
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await asyncio.sleep(30)


def test_slow_upstream_gets_504_within_the_forward_timeout() -> None:
    async def scenario() -> None:
        upstream = await raw_upstream(hang)
        policy = StaticPolicy(upstream.port, timeout_seconds=0.5)
        server = await gateway(policy)
        started = time.monotonic()
        response = await request(server.port, b"GET /slow HTTP/1.1\r\nHost: gw\r\n\r\n")
        elapsed = time.monotonic() - started
        assert response is not None
        assert response.status == 504
        assert json.loads(response.body)["type"] == "/problems/gateway-upstream-timeout"
        assert 0.45 < elapsed < 0.8
        outcome = policy.completed[0][2]
        assert outcome.fault_origin == "provider-technical"
        assert "0.5 s" in outcome.error
        await server.close()
        await upstream.close()
    run(scenario())


def test_hung_upstream_does_not_slow_down_another() -> None:
    async def scenario() -> None:
        hung = await raw_upstream(hang)
        healthy = await echo_upstream()
        policy = StaticPolicy(healthy.port, timeout_seconds=5)
        policy.routes["/a"] = hung.port
        server = await gateway(policy, upstream_max_connections=4)
        stuck = [asyncio.ensure_future(request(server.port, b"GET /a HTTP/1.1\r\nHost: gw"
                                               b"\r\n\r\n")) for _ in range(10)]
        await asyncio.sleep(0.2)
        started = time.monotonic()
        for n in range(20):
            response = await request(server.port, b"GET /b%d HTTP/1.1\r\nHost: gw\r\n\r\n" % n)
            assert response is not None
            assert response.status == 200
        assert time.monotonic() - started < 1.0
        assert not any(task.done() for task in stuck)
        # The bulkhead held: at most 4 connections to the hung provider.
        assert hung.connections == 4
        for task in stuck:
            task.cancel()
        await server.close()
        await hung.close()
        await healthy.close()
    run(scenario())


def test_bulkhead_queue_waits_for_a_free_connection() -> None:
    async def scenario() -> None:
        async def slow_echo(reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> None:
            while True:
                await read_request(reader)
                await asyncio.sleep(0.1)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()

        upstream = await raw_upstream(slow_echo)
        server = await gateway(StaticPolicy(upstream.port), upstream_max_connections=2)
        results = await asyncio.gather(*(
            request(server.port, b"GET / HTTP/1.1\r\nHost: gw\r\n\r\n") for _ in range(6)))
        assert [r.status for r in results if r] == [200] * 6
        assert upstream.connections == 2
        await server.close()
        await upstream.close()
    run(scenario())
