"""The consumer-facing API (session, scoped by agency): the catalogue, requesting an
agreement, and seeing one's agreements with their status and any refusal's reason."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from govhub.identity.people import roles
from govhub.integration import queries, services
from govhub.integration.tests.fixtures import Hub

pytestmark = pytest.mark.django_db

API = "/api/integration"


def _browser(account: Any) -> HttpClient:
    client = HttpClient()
    client.force_login(account)
    return client


def _items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return json.loads(response.content)["items"]  # type: ignore[no-any-return]


def _request_body(hub: Hub, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {"consumer_id": str(hub.consumer.pk), "service_id": str(hub.service.pk),
            "operations": ["getParcel"], "legal_basis": "Nghị định 194/2025/NĐ-CP",
            "purpose": "Giải quyết hồ sơ đất đai", "fields": ["so_thua"],
            "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=30)).isoformat()}
    return {**body, **overrides}


def _post(client: HttpClient, body: dict[str, Any]) -> Any:
    return client.post(f"{API}/agreements", data=json.dumps(body),
                       content_type="application/json")


def test_catalogue_lists_services_with_operations(hub: Hub) -> None:
    [service] = _items(_browser(hub.consumer_operator).get(f"{API}/services"))
    assert service["service_id"] == "000.00.00.H12/dat-dai/thua-dat"
    assert {o["code"] for o in service["operations"]} == {"getParcel", "POST /parcels"}


def test_a_consumer_requests_and_sees_the_refusal_reason(hub: Hub) -> None:
    browser = _browser(hub.consumer_operator)
    created = _post(browser, _request_body(hub))
    assert created.status_code == 201, created.content
    agreement_id = json.loads(created.content)["id"]
    assert json.loads(created.content)["status"] == "submitted"
    agreement = queries.agreements(hub.provider_operator).get(pk=agreement_id)
    services.refuse_agreement(actor=hub.provider_operator, agreement=agreement,
                              reason="Mục đích chưa rõ",
                              legal_basis="Điều 10 Nghị định 194/2025/NĐ-CP")
    [mine] = _items(browser.get(f"{API}/agreements"))
    assert mine["status"] == "refused"
    assert mine["refusal_reason"] == "Mục đích chưa rõ"
    assert mine["refusal_legal_basis"].startswith("Điều 10")
    assert mine["operations"] == ["getParcel"]


def test_requesting_for_another_agency_system_is_refused(hub: Hub) -> None:
    response = _post(_browser(hub.provider_operator), _request_body(hub))
    assert response.status_code == 422
    assert json.loads(response.content)["errors"][0]["field"] == "consumer_id"


def test_unknown_operation_is_a_field_error(hub: Hub) -> None:
    response = _post(_browser(hub.consumer_operator), _request_body(hub, operations=["nope"]))
    assert response.status_code == 422


def test_operator_sees_only_own_systems_and_agreements(hub: Hub, make_official: Any) -> None:
    _post(_browser(hub.consumer_operator), _request_body(hub))
    other_commune = make_official(hub.tree.commune_b, roles.INTEGRATION_OPERATOR)
    assert _items(_browser(other_commune).get(f"{API}/systems")) == []
    assert _items(_browser(other_commune).get(f"{API}/agreements")) == []
    assert [s["client_id"] for s in _items(_browser(hub.consumer_operator).get(
        f"{API}/systems"))] == ["000.00.00.H12/mot-cua"]
    # The provider sees the request addressed to its service, not the consumer's systems.
    assert len(_items(_browser(hub.provider_operator).get(f"{API}/agreements"))) == 1
    assert [s.code for s in queries.systems(hub.provider_operator)] == ["dat-dai"]
    assert list(queries.agreements(other_commune)) == []


def test_a_citizen_is_refused_the_catalogue(hub: Hub, make_citizen: Any) -> None:
    response = _browser(make_citizen(hub.tree.commune_a)).get(f"{API}/services")
    assert response.status_code == 403, response.content
    assert json.loads(response.content)["type"].endswith("/problems/permission-denied")
