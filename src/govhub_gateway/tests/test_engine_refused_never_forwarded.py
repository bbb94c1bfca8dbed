"""A request the gateway refuses as malformed must not reach the provider, and the evidence
must say what did (RFC 9112 §6.3: a message whose framing is invalid is not processed).

A raw client, the real engine with ``GatewayPolicy``, and a provider built on the sandbox's
REST skeleton (its request log records every call whose head reached it) with one write
operation that acts only on a complete body.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from govhub_gateway.engine.server import GatewayServer, start_server
from govhub_gateway.tests.conftest import connect, eventually, is_closed, run
from govhub_gateway.tests.policy_builders import (
    API_KEY,
    PARCELS,
    Harness,
    harness,
    identification,
    parcels_service,
    snapshot,
)
from govhub_sandbox.upstream_kit import REQUEST_LOG, rest_provider

CREATED = web.AppKey("created", list)  # bodies the provider acted on
ENDED = web.AppKey("ended", list)  # every write call's end: "created" or "broken"


async def _provider() -> tuple[web.Application, web.AppRunner, int]:
    app = rest_provider(["createParcel"], None, lambda url: {"openapi": "3.1.0"})
    app[CREATED] = []
    app[ENDED] = []

    async def create_parcel(request: web.Request) -> web.Response:
        try:
            body = await request.read()  # a provider acts on a complete request only
        except Exception:
            request.app[ENDED].append("broken")
            raise
        request.app[CREATED].append(body)
        request.app[ENDED].append("created")
        return web.json_response({"created": body.decode()}, status=201)

    app.router.add_post("/parcels", create_parcel, name="createParcel")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return app, runner, runner.addresses[0][1]


def _post_head(request_id: str, transfer_encoding: bytes = b"chunked") -> bytes:
    fields = {**identification(request_id=request_id), "authorization": f"Bearer {API_KEY}"}
    return (f"POST /r1/{PARCELS}/parcels HTTP/1.1\r\nHost: gw\r\n".encode()
            + b"".join(f"{name}: {value}\r\n".encode() for name, value in fields.items())
            + b"Transfer-Encoding: " + transfer_encoding + b"\r\n\r\n")


class Stack:
    def __init__(self, app: web.Application, runner: web.AppRunner, h: Harness,
                 server: GatewayServer) -> None:
        self.app, self.runner, self.h, self.server = app, runner, h, server

    @property
    def logged_ids(self) -> list[str]:
        return [entry["headers"]["X-Road-Id"] for entry in self.app[REQUEST_LOG]]

    def evidence(self, request_id: str) -> list[dict[str, Any]]:
        return [r for r in self.h.evidence if r["request_id"] == request_id]

    async def write_call(self, request_id: str) -> None:
        """A valid chunked write on a new connection: 201, and its upstream connection
        stays pooled for the next call."""
        responses, writer = await connect(self.server.port)
        writer.write(_post_head(request_id) + b"5\r\nhello\r\n0\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert response.status == 201
        writer.close()

    async def close(self) -> None:
        await self.server.close()
        await self.runner.cleanup()


async def _stack() -> Stack:
    app, runner, port = await _provider()
    h = harness(snapshot(services=[parcels_service(endpoints=[f"http://127.0.0.1:{port}"])]))
    server = await start_server(h.policy, host="127.0.0.1", port=0)
    return Stack(app, runner, h, server)


def _refused_before_forwarding(body: bytes, transfer_encoding: bytes) -> None:
    async def scenario() -> None:
        stack = await _stack()
        try:
            await stack.write_call("req-warm")  # a pooled upstream connection is ready
            responses, writer = await connect(stack.server.port)
            writer.write(_post_head("req-bad", transfer_encoding) + body)
            response = await responses.next()
            assert response is not None
            assert response.status == 400
            assert response.headers["content-type"] == "application/problem+json"
            assert json.loads(response.body)["type"] == "/problems/gateway-bad-request"
            assert await is_closed(responses)
            writer.close()
            # A later call is logged after anything the refused one could have sent.
            await stack.write_call("req-after")
            assert stack.logged_ids == ["req-warm", "req-after"]
            assert stack.app[CREATED] == [b"hello", b"hello"]
            # Nothing was forwarded, and no record claims an exchange with the provider.
            assert stack.evidence("req-bad") == []
        finally:
            await stack.close()
    run(scenario())


def test_transfer_encoding_the_parser_refuses_is_never_forwarded() -> None:
    # The gateway's own framing check trims the tab (RFC 9110 §5.5, OWS); llhttp refuses the
    # value once the head is parsed. Either way the provider must not see the request.
    _refused_before_forwarding(b"5\r\nhello\r\n0\r\n\r\n", b"chunked\t")


def test_invalid_chunk_size_with_the_head_is_never_forwarded() -> None:
    _refused_before_forwarding(b"zz\r\nhello\r\n0\r\n\r\n", b"chunked")


def test_invalid_chunk_after_streaming_began_never_completes_upstream() -> None:
    """Once the head is accepted, the body is streamed; a parse error later aborts the
    upstream connection before the last chunk, so the provider never receives a complete
    request, and the evidence says the request was forwarded (upstream_ms) and refused."""
    async def scenario() -> None:
        stack = await _stack()
        try:
            responses, writer = await connect(stack.server.port)
            writer.write(_post_head("req-stream") + b"5\r\nhello\r\n")
            assert await eventually(lambda: "req-stream" in stack.logged_ids)
            writer.write(b"zz\r\nworld\r\n0\r\n\r\n")
            response = await responses.next()
            assert response is not None
            assert response.status == 400
            assert json.loads(response.body)["type"] == "/problems/gateway-bad-request"
            assert await is_closed(responses)
            writer.close()
            assert await eventually(lambda: stack.app[ENDED] != [])
            assert stack.app[ENDED] == ["broken"]
            assert stack.app[CREATED] == []
            [entry] = stack.app[REQUEST_LOG]
            assert entry["status"] is None  # the provider never answered it
            [record] = stack.evidence("req-stream")
            assert (record["status"], record["fault_origin"]) == (400, "client")
            assert record["upstream_ms"] is not None  # it was forwarded, then aborted
            assert record["request_bytes"] == 5
        finally:
            await stack.close()
    run(scenario())
