"""The X-Road REST metaservices answered by the gateway (listClients, listMethods,
allowedMethods, getOpenAPI, getWsdl)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from govhub_contracts.snapshot import Operation, Service
from govhub_gateway.engine.exchange import Forward, Respond
from govhub_gateway.tests.policy_builders import (
    CONSUMER,
    LAND,
    OPENAPI,
    PARCELS,
    POP,
    WSDL,
    grant,
    harness,
    head,
    outcome,
    parcels_service,
    snapshot,
)


def ok(decision: object, media_type: str = "application/json") -> Any:
    assert isinstance(decision, Respond), decision
    assert decision.status == 200, decision.body
    assert decision.headers == [("content-type", media_type)]
    return json.loads(decision.body) if media_type == "application/json" else decision.body


def test_list_clients_names_every_member_and_system() -> None:
    body = ok(harness().policy.decide(head("/r1/listClients")))
    entries = {(e["id"]["object_type"], e["id"]["member_code"],
                e["id"].get("subsystem_code")): e["name"] for e in body["member"]}
    assert entries[("MEMBER", LAND, None)] == "Sở Tài nguyên và Môi trường"
    assert entries[("SUBSYSTEM", LAND, "land")] == "Cơ sở dữ liệu đất đai"
    assert len(entries) == 7


def test_metaservices_need_an_authenticated_consumer() -> None:
    h = harness()
    for target in ("/r1/listClients", f"/r1/{LAND}/land/listMethods",
                   f"/r1/{LAND}/land/getOpenAPI?serviceCode=parcels"):
        decision = h.policy.decide(head(target, auth=None))
        assert isinstance(decision, Respond)
        assert decision.status == 401


def test_list_methods_lists_the_provider_services_with_their_operations() -> None:
    body = ok(harness().policy.decide(head(f"/r1/{LAND}/land/listMethods")))
    (service,) = body["service"]
    assert (service["service_code"], service["service_type"]) == ("parcels", "REST")
    assert [(e["method"], e["path"], e["operation_code"]) for e in service["endpoint_list"]] == [
        ("GET", "/parcels/{parcel_id}", "getParcel"), ("GET", "/parcels", "listParcels"),
        ("POST", "/parcels", "createParcel")]


def _allowed(h: Any, provider: str) -> dict[str, list[str] | str]:
    body = ok(h.policy.decide(head(f"/r1/{provider}/allowedMethods")))
    return {s["service_code"]: sorted(e.get("operation_code", "*")
                                      for e in s["endpoint_list"]) for s in body["service"]}


def test_allowed_methods_are_exactly_the_valid_grants() -> None:
    everything = Service(member=LAND, system="land", code="maps", endpoints=["http://m:1"])
    hidden = parcels_service(code="owners", operations=[Operation(code="getOwner")])
    snap = snapshot(
        services=[parcels_service(), everything, hidden],
        grants=[grant(operations=["getParcel", "listParcels"]),
                grant(service=f"{LAND}/land/maps"),
                grant(service=f"{LAND}/land/owners", days_left=0.25)])
    h = harness(snap)
    assert _allowed(h, f"{LAND}/land") == {"parcels": ["getParcel", "listParcels"],
                                          "maps": ["*"], "owners": ["getOwner"]}
    h.clock.advance(timedelta(hours=6).total_seconds())  # the owners agreement ends
    assert _allowed(h, f"{LAND}/land") == {"parcels": ["getParcel", "listParcels"],
                                          "maps": ["*"]}
    assert _allowed(harness(), f"{POP}/pop") == {"citizens": ["getCitizen"]}


def test_allowed_methods_requires_identification() -> None:
    decision = harness().policy.decide(head(f"/r1/{LAND}/land/allowedMethods",
                                            headers={"x-road-client": CONSUMER}))
    assert isinstance(decision, Respond)
    assert decision.status == 400


def test_get_openapi_and_get_wsdl_serve_the_description_documents() -> None:
    h = harness()
    assert ok(h.policy.decide(head(f"/r1/{LAND}/land/getOpenAPI?serviceCode=parcels"))) == \
        json.loads(OPENAPI)
    wsdl = ok(h.policy.decide(head(f"/r1/{POP}/pop/getWsdl?serviceCode=citizens")), "text/xml")
    assert wsdl == WSDL.encode()
    missing = h.policy.decide(head(f"/r1/{LAND}/land/getWsdl?serviceCode=parcels"))
    assert isinstance(missing, Respond)
    assert missing.status == 404


def test_metaservice_calls_are_metered_but_are_not_evidence() -> None:
    h = harness()
    request = head(f"/r1/{LAND}/land/listMethods")
    decision = h.policy.decide(request)
    assert isinstance(decision, Respond)
    h.policy.complete(request, decision.exchange, outcome(200))
    assert h.evidence == []
    text = h.metrics.render()[0].decode()
    assert f'consumer="{CONSUMER}"' in text
    assert 'service="listMethods"' in text


def test_reserved_names_only_count_in_the_service_position() -> None:
    h = harness(snapshot(services=[parcels_service(operations=[])]))
    # Under a service, "listMethods" is just the provider's own path.
    decision = h.policy.decide(head(f"/r1/{PARCELS}/listMethods"))
    assert isinstance(decision, Forward)
    assert decision.target == "/api/listMethods"
