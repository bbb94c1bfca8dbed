"""The real engine with ``GatewayPolicy`` in front of a provider built on the sandbox's REST
skeleton (``govhub_sandbox.upstream_kit``: its request log records every call whose head
reached it), with one write operation that acts only on a complete body."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from govhub_gateway.engine.server import GatewayServer, start_server
from govhub_gateway.tests.conftest import connect
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


async def provider() -> tuple[web.Application, web.AppRunner, int]:
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


def post_head(request_id: str, transfer_encoding: bytes = b"chunked", *,
              method: str = "POST", extra: bytes = b"") -> bytes:
    """A write call's head with identification and an API key; ``extra``: more header lines
    (CRLF-terminated)."""
    fields = {**identification(request_id=request_id), "authorization": f"Bearer {API_KEY}"}
    return (f"{method} /r1/{PARCELS}/parcels HTTP/1.1\r\nHost: gw\r\n".encode()
            + b"".join(f"{name}: {value}\r\n".encode() for name, value in fields.items())
            + extra + b"Transfer-Encoding: " + transfer_encoding + b"\r\n\r\n")


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
        writer.write(post_head(request_id) + b"5\r\nhello\r\n0\r\n\r\n")
        response = await responses.next()
        assert response is not None
        assert response.status == 201
        writer.close()

    async def close(self) -> None:
        await self.server.close()
        await self.runner.cleanup()


async def start_stack() -> Stack:
    app, runner, port = await provider()
    h = harness(snapshot(services=[parcels_service(endpoints=[f"http://127.0.0.1:{port}"])]))
    server = await start_server(h.policy, host="127.0.0.1", port=0)
    return Stack(app, runner, h, server)
