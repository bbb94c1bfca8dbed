"""A service's further endpoints compiled into Forward.alternates: each with its
own scheme, host, port, Host header and base path, and the consumer's rest-of-path and query;
then, behind the real engine, a dead first endpoint answered by the second."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
from aiohttp import web

from govhub_contracts.snapshot import Service
from govhub_gateway.engine.exchange import Forward
from govhub_gateway.engine.server import start_server
from govhub_gateway.policy.routing import Endpoint, compile_service
from govhub_gateway.tests.policy_builders import (
    API_KEY,
    PARCELS,
    citizens_service,
    harness,
    head,
    identification,
    parcels_service,
    snapshot,
)
from tests.support.soap_envelopes import envelope, soap_head


def test_every_endpoint_is_compiled_in_order() -> None:
    service = compile_service(Service(member="m", system="s", code="c", endpoints=[
        "http://a.example:8080/base/", "https://b.example/v2", "http://c.example"]))
    assert (service.host, service.port, service.base_path) == ("a.example", 8080, "/base")
    assert service.alternates == (
        Endpoint("https", "b.example", 443, "b.example", "/v2"),
        Endpoint("http", "c.example", 80, "c.example", ""))


def test_rest_forward_carries_alternates_with_the_same_path_and_query() -> None:
    h = harness(snapshot(services=[parcels_service(endpoints=[
        "http://127.0.0.1:9001/api/", "https://land-dr.example:8443/v2", "http://land3.example"
    ])]))
    decision = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42?x=1&y=%C4%91"))
    assert isinstance(decision, Forward)
    assert (decision.origin, decision.target) == ("http://127.0.0.1:9001",
                                                  "/api/parcels/42?x=1&y=%C4%91")
    assert decision.alternates == (
        ("https", "land-dr.example", 8443, "/v2/parcels/42?x=1&y=%C4%91",
         "land-dr.example:8443"),
        ("http", "land3.example", 80, "/parcels/42?x=1&y=%C4%91", "land3.example"))


def test_soap_forward_posts_to_each_endpoint_base_path() -> None:
    h = harness(snapshot(services=[parcels_service(), citizens_service(endpoints=[
        "https://pop.example.gov.vn:8443/soap/citizens", "http://pop-dr.example"])]))
    decision = h.policy.decide_with_body(soap_head(), envelope())
    assert isinstance(decision, Forward)
    assert decision.target == "/soap/citizens"
    assert decision.alternates == (("http", "pop-dr.example", 80, "/", "pop-dr.example"),)


def test_single_endpoint_service_has_no_alternates() -> None:
    decision = harness().policy.decide(head(f"/r1/{PARCELS}/parcels/42"))
    assert isinstance(decision, Forward)
    assert decision.alternates == ()


async def _failover_exchange() -> dict[str, Any]:
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.path_qs)
        return web.json_response({"from": "second"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    with socket.socket() as sock:  # a port nothing listens on: refused at once
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    h = harness(snapshot(services=[parcels_service(endpoints=[
        f"http://127.0.0.1:{dead}/api", f"http://127.0.0.1:{port}/mirror"])]))
    gateway = await start_server(h.policy, host="127.0.0.1", port=0)
    headers = {**identification(), "Authorization": f"Bearer {API_KEY}"}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client:
            url = f"http://127.0.0.1:{gateway.port}/r1/{PARCELS}/parcels/42?x=1"
            async with client.get(url, headers=headers) as response:
                result = {"status": response.status, "body": await response.json()}
        await asyncio.sleep(0.05)  # let the engine report the exchange
    finally:
        await gateway.close()
        await runner.cleanup()
    return result | {"seen": seen, "evidence": h.evidence}


def test_dead_first_endpoint_is_answered_by_the_second_through_the_engine() -> None:
    result = asyncio.run(asyncio.wait_for(_failover_exchange(), 30))
    assert (result["status"], result["body"]) == (200, {"from": "second"})
    assert result["seen"] == ["/mirror/parcels/42?x=1"]
    assert [(r["status"], r["fault_origin"]) for r in result["evidence"]] == [(200, "")]
