"""GatewayPolicy behind the real engine: a REST call and a SOAP call over real sockets on
127.0.0.1 to a real upstream, checking what the provider and the consumer actually see."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp import web

from govhub_gateway.engine.server import start_server
from govhub_gateway.tests.policy_builders import (
    API_KEY,
    CITIZENS,
    CONSUMER,
    PARCELS,
    citizens_service,
    harness,
    identification,
    parcels_service,
    snapshot,
)
from tests.support.soap_envelopes import envelope


async def _upstream(seen: list[dict[str, Any]]) -> tuple[web.AppRunner, int]:
    async def record(request: web.Request) -> web.Response:
        seen.append({"path": request.path_qs, "headers": dict(request.headers),
                     "body": await request.read()})
        if request.path.startswith("/soap"):
            return web.Response(body=b"<ok/>", content_type="text/xml")
        return web.json_response({"parcel": request.match_info.get("tail", "")})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


async def _exchange() -> dict[str, Any]:
    seen: list[dict[str, Any]] = []
    upstream, port = await _upstream(seen)
    h = harness(snapshot(services=[
        parcels_service(endpoints=[f"http://127.0.0.1:{port}/api"]),
        citizens_service(endpoints=[f"http://127.0.0.1:{port}/soap/citizens"])]))
    gateway = await start_server(h.policy, host="127.0.0.1", port=0)
    base = f"http://127.0.0.1:{gateway.port}"
    headers = {**identification(), "Authorization": f"Bearer {API_KEY}"}
    result: dict[str, Any] = {"seen": seen, "evidence": h.evidence}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client:
            async with client.get(f"{base}/r1/{PARCELS}/parcels/42?x=1",
                                  headers=headers) as response:
                result["rest"] = (response.status, await response.json())
            async with client.get(f"{base}/r1/{PARCELS}/nowhere", headers=headers) as response:
                result["refused"] = (response.status, response.headers["Content-Type"],
                                     json.loads(await response.read()))
            async with client.post(f"{base}/", data=envelope(), headers={
                    "Content-Type": "text/xml; charset=utf-8",
                    "Authorization": f"Bearer {API_KEY}"}) as response:
                result["soap"] = (response.status, await response.read())
        await asyncio.sleep(0.05)  # let the engine report the last exchange
    finally:
        await gateway.close()
        await upstream.cleanup()
    return result


def test_rest_and_soap_calls_flow_through_the_engine_with_evidence() -> None:
    result = asyncio.run(asyncio.wait_for(_exchange(), 30))
    assert result["rest"] == (200, {"parcel": "api/parcels/42"})
    rest_seen = result["seen"][0]
    assert rest_seen["path"] == "/api/parcels/42?x=1"
    assert rest_seen["headers"]["X-Road-Client"] == CONSUMER
    assert rest_seen["headers"]["X-Road-Service"] == PARCELS
    assert "Authorization" not in rest_seen["headers"]
    status, content_type, problem = result["refused"]
    assert (status, content_type) == (404, "application/problem+json")
    assert problem["type"].endswith("/problems/gateway-unknown-service")
    assert result["soap"] == (200, b"<ok/>")
    soap_seen = result["seen"][1]
    assert soap_seen["path"] == "/soap/citizens"
    assert soap_seen["body"] == envelope()  # forwarded unchanged
    assert [(e["status"], e["service"]) for e in result["evidence"]] == [
        (200, PARCELS), (404, PARCELS), (200, CITIZENS)]
