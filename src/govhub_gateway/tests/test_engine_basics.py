"""Keep-alive, framing, hygiene and policy decisions of the gateway's HTTP engine."""

from __future__ import annotations

import asyncio
import hashlib
import json

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

GET = b"GET /a?x=1 HTTP/1.1\r\nHost: gw\r\n\r\n"


def test_keep_alive_reuses_one_upstream_connection_for_sequential_requests() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        for number in range(5):
            writer.write(b"GET /n%d HTTP/1.1\r\nHost: gw\r\n\r\n" % number)
            response = await responses.next()
            assert response is not None
            assert response.status == 200
            assert response.body == b"GET /n%d HTTP/1.1|" % number
        assert upstream.connections == 1
        assert server.connection_count == 1
        writer.close()
        assert await eventually(lambda: server.connection_count == 0)
        await server.close()
        await upstream.close()
    run(scenario())


def test_http10_and_connection_close_are_honoured() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        server = await gateway(StaticPolicy(upstream.port))
        for raw in (b"GET /old HTTP/1.0\r\n\r\n",
                    b"GET /c HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"):
            responses, writer = await connect(server.port)
            writer.write(raw)
            response = await responses.next()
            assert response is not None
            assert response.status == 200
            assert await is_closed(responses)
            writer.close()
        # HTTP/1.0 with keep-alive asked for stays open and says so.
        responses, writer = await connect(server.port)
        writer.write(b"GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert response.headers.get("connection") == "keep-alive"
        writer.write(b"GET /k2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert response.body.startswith(b"GET /k2")
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_chunked_request_is_streamed_chunked_and_chunked_response_relayed_chunked() -> None:
    async def upstream_handler(reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        head, body = await read_request(reader)
        assert b"transfer-encoding: chunked" in head.lower()
        writer.write(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\n6\r\n world\r\n" + b"%x\r\n%b\r\n" % (len(body), body)
                     + b"0\r\n\r\n")
        await writer.drain()

    async def scenario() -> None:
        upstream = await raw_upstream(upstream_handler)
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        writer.write(b"POST /c HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert response.status == 201
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.body == b"hello worldabcdefg"
        outcome = policy.completed[0][2]
        assert outcome.request_bytes == 7
        assert outcome.request_sha256 == hashlib.sha256(b"abcdefg").hexdigest()
        assert outcome.response_sha256 == hashlib.sha256(b"hello worldabcdefg").hexdigest()
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_hop_by_hop_headers_removed_via_and_forwarded_for_added() -> None:
    async def upstream_handler(reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        seen.append(head.decode().lower())
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: s\r\n"
                     b"Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    seen: list[str] = []

    async def scenario() -> None:
        upstream = await raw_upstream(upstream_handler)
        server = await gateway(StaticPolicy(upstream.port, add_headers=[("X-Road-Client", "c")],
                                            drop_headers=frozenset({"authorization"})))
        response = await request(server.port, (
            b"GET /h HTTP/1.1\r\nHost: gw\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
            b"Keep-Alive: 5\r\nTE: trailers\r\nProxy-Authorization: p\r\nUpgrade: h2c\r\n"
            b"Authorization: Bearer t\r\nX-Forwarded-For: 10.0.0.1\r\nVia: 1.0 edge\r\n"
            b"X-Keep: yes\r\n\r\n"))
        assert response is not None
        assert response.status == 200
        head = seen[0]
        for gone in ("x-hop:", "keep-alive:", "te:", "proxy-authorization:", "upgrade:",
                     "authorization:"):
            assert f"\r\n{gone}" not in head, gone
        assert "\r\nx-keep: yes" in head
        assert "\r\nx-forwarded-for: 10.0.0.1, 127.0.0.1" in head
        assert "\r\nvia: 1.0 edge, 1.1 govhub-gateway" in head
        assert "\r\nx-road-client: c" in head
        assert f"\r\nhost: 127.0.0.1:{upstream.port}" in head
        assert "x-secret" not in response.headers
        assert "keep-alive" not in response.headers
        assert response.headers["via"] == "1.1 govhub-gateway"
        await server.close()
        await upstream.close()
    run(scenario())


def test_respond_answers_locally_with_length_date_server_and_completes() -> None:
    async def scenario() -> None:
        policy = StaticPolicy(1, mode="refuse")
        server = await gateway(policy)
        response = await request(server.port, GET)
        assert response is not None
        assert response.status == 403
        assert response.body == b"no"
        assert response.headers["content-length"] == "2"
        assert response.headers["server"] == "govhub-gateway"
        assert response.headers["date"].endswith("GMT")
        assert [c[1] for c in policy.completed] == ["refused"]
        assert policy.completed[0][2].status == 403
        await server.close()
    run(scenario())


def test_policy_exception_gives_500_problem_and_connection_survives() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        policy = StaticPolicy(upstream.port)
        server = await gateway(policy)
        responses, writer = await connect(server.port)
        writer.write(b"GET /boom HTTP/1.1\r\nHost: gw\r\nX-Road-Id: req-42\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert response.status == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["x-road-request-id"] == "req-42"
        problem = json.loads(response.body)
        assert problem["type"].endswith("/problems/gateway-platform-error")
        assert problem["request_id"] == "req-42"
        writer.write(GET)
        response = await responses.next()
        assert response is not None
        assert response.status == 200
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_read_body_reads_whole_body_and_forwards_it_with_content_length() -> None:
    async def upstream_handler(reader: asyncio.StreamReader,
                               writer: asyncio.StreamWriter) -> None:
        head, body = await read_request(reader)
        seen.append((head.lower(), body))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    seen: list[tuple[bytes, bytes]] = []

    async def scenario() -> None:
        upstream = await raw_upstream(upstream_handler)
        policy = StaticPolicy(upstream.port, mode="read", read_limit=100)
        server = await gateway(policy)
        envelope = b"<soap:Envelope>x</soap:Envelope>"
        response = await request(server.port, (
            b"POST /soap HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"%x\r\n%b\r\n0\r\n\r\n" % (len(envelope), envelope)))
        assert response is not None
        assert response.status == 200
        assert policy.bodies == [envelope]
        head, body = seen[0]
        assert body == envelope
        assert b"content-length: %d" % len(envelope) in head
        assert b"transfer-encoding" not in head
        # Over the ReadBody limit: 413 before reading (Content-Length known) and close.
        responses, writer = await connect(server.port)
        writer.write(b"POST /soap HTTP/1.1\r\nHost: gw\r\nContent-Length: 101\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert response.status == 413
        assert await is_closed(responses)
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_pipelined_requests_are_answered_in_order() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        server = await gateway(StaticPolicy(upstream.port))
        responses, writer = await connect(server.port)
        writer.write(b"".join(
            b"POST /p%d HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\nb%d" % (n, n)
            for n in range(4)) + b"GET /refuse HTTP/1.1\r\nHost: gw\r\n\r\n" + GET)
        bodies = []
        for _ in range(6):
            response = await responses.next()
            assert response is not None
            bodies.append((response.status, response.body))
        assert bodies == [(200, b"POST /p%d HTTP/1.1|b%d" % (n, n)) for n in range(4)] + [
            (403, b"no"), (200, b"GET /a?x=1 HTTP/1.1|")]
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_pipeline_beyond_the_limit_is_answered_up_to_the_limit_then_closed() -> None:
    async def scenario() -> None:
        upstream = await echo_upstream()
        server = await gateway(StaticPolicy(upstream.port), max_pipelined_requests=3)
        responses, writer = await connect(server.port)
        writer.write(b"".join(b"GET /q%d HTTP/1.1\r\nHost: gw\r\n\r\n" % n for n in range(10)))
        answered = []
        while (response := await responses.next()) is not None:
            answered.append(response.body)
        assert answered == [b"GET /q%d HTTP/1.1|" % n for n in range(3)]
        writer.close()
        await server.close()
        await upstream.close()
    run(scenario())


def test_close_delimited_upstream_body_is_relayed_chunked_to_http11_and_raw_to_http10() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nuntil-close")
        await writer.drain()

    async def scenario() -> None:
        upstream = await raw_upstream(handler)
        server = await gateway(StaticPolicy(upstream.port))
        responses, writer = await connect(server.port)
        writer.write(GET)
        response = await responses.next()
        assert response is not None
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.body == b"until-close"
        writer.write(GET)  # the client connection stays usable
        response = await responses.next()
        assert response is not None
        assert response.body == b"until-close"
        writer.close()
        old = await request(server.port, b"GET / HTTP/1.0\r\n\r\n")
        assert old is not None
        assert old.body == b"until-close"
        assert "transfer-encoding" not in old.headers
        assert upstream.connections == 3  # none of them was pooled
        await server.close()
        await upstream.close()
    run(scenario())
