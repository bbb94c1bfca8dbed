"""The integration hub end to end: the control plane (Django's live server), a real gateway
process (``python -m govhub_gateway run``) fetching its snapshot with its own token, and the
sandbox land registry (REST) and population database (SOAP, X-Road header) on 127.0.0.1.
Every check is what a consumer system or an operator would see."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from govhub.identity.people import roles
from govhub.identity.sso.signing_keys import current_signing_jwk
from govhub.integration import models, services
from govhub.integration.tests.gateway_process import (
    Gateway,
    Reply,
    call,
    free_port,
    start_gateway,
)
from govhub_sandbox.land.app import create_app as land_app
from govhub_sandbox.land.openapi import openapi_document
from govhub_sandbox.population.app import create_app as population_app
from govhub_sandbox.population.wsdl import wsdl_document
from govhub_sandbox.serving import RunningApp, start_in_thread
from tests.support.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONSUMER = "000.00.01.H12/motcua"
LAND = "/r1/000.00.03.H12/datdai/thuadat"
SEARCH = f"{LAND}/parcels?commune_code=32002"


@dataclass
class Hub:
    land: RunningApp
    population: RunningApp
    consumer: models.System
    stranger: models.System
    key: models.ApiKey
    token: str  # the consumer's API key in clear
    stranger_token: str
    operator: Any
    provider_operator: Any
    platform: Any
    land_service: models.Service
    gateway: Gateway
    gateway_token_file: Path
    data_dir: Path
    live_url: str

    def identification(self, request_id: str, client: str = CONSUMER) -> dict[str, str]:
        return {"X-Road-Client": client, "X-Road-Id": request_id,
                "X-Road-UserId": "VN-CB-0042", "X-Road-Issue": "1.004227.000.00.00.H12"}

    def rest(self, path: str, request_id: str, *, token: str | None = None,
             client: str = CONSUMER, timeout: float = 10.0) -> Reply:
        headers = {**self.identification(request_id, client), "X-Api-Key": token or self.token}
        return call(f"{self.gateway.url}{path}", headers=headers, timeout=timeout)


def soap_envelope(operation: str, request_id: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers"
    xmlns:dc="http://dancu.gov.vn/xsd/dancu">
  <s:Header>
    <xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>VN</id:xRoadInstance>
      <id:memberClass>GOV</id:memberClass><id:memberCode>000.00.01.H12</id:memberCode>
      <id:subsystemCode>motcua</id:subsystemCode></xrd:client>
    <xrd:service id:objectType="SERVICE"><id:xRoadInstance>VN</id:xRoadInstance>
      <id:memberClass>GOV</id:memberClass><id:memberCode>000.00.00.G10</id:memberCode>
      <id:subsystemCode>csdldc</id:subsystemCode><id:serviceCode>{operation}</id:serviceCode>
      <id:serviceVersion>v1</id:serviceVersion></xrd:service>
    <xrd:id>{request_id}</xrd:id><xrd:userId>VN-CB-0042</xrd:userId>
    <xrd:issue>1.004227</xrd:issue><xrd:protocolVersion>4.0</xrd:protocolVersion>
  </s:Header>
  <s:Body><dc:{operation}><dc:SoDinhDanh>096085000101</dc:SoDinhDanh>
    <dc:HoVaTen>Nguyễn Văn Hùng</dc:HoVaTen><dc:NgaySinh>1985-03-12</dc:NgaySinh></dc:{operation}>
  </s:Body>
</s:Envelope>""".encode()


def _agreement(operator: Any, provider_operator: Any, consumer: models.System,
               service: models.Service, operations: list[str], *,
               valid_seconds: float = 30 * 86400) -> models.Agreement:
    now = timezone.now()
    agreement = services.request_agreement(
        actor=operator, consumer=consumer, service=service,
        legal_basis="Nghị định 278/2025/NĐ-CP", purpose="Giải quyết thủ tục hành chính",
        valid_from=now - timedelta(days=1), valid_until=now + timedelta(seconds=valid_seconds),
        operations=list(service.operations.filter(code__in=operations)))
    return services.approve_agreement(actor=provider_operator, agreement=agreement)


@pytest.fixture
def hub(tree: Any, make_official: Any, live_server: Any, tmp_path: Path,
        settings: Any) -> Iterator[Hub]:
    # The live server is the OpenID provider whose JWKS the gateway fetches (token_issuer).
    settings.GOVHUB_PUBLIC_URL = live_server.url
    current_signing_jwk()  # a key exists before the gateway first reads the JWKS
    land = start_in_thread(land_app(), name="land")
    population = start_in_thread(population_app(), name="population")
    platform = make_official(tree.province, roles.PLATFORM_ADMIN, "quantri")
    provider_operator = make_official(tree.department, roles.INTEGRATION_OPERATOR, "vh_so")
    operator = make_official(tree.commune_a, roles.INTEGRATION_OPERATOR, "vh_phuong")
    department = services.create_member(actor=platform, code="000.00.03.H12",
                                        name="Sở Nông nghiệp và Môi trường", agency=tree.department)
    ministry = services.create_member(actor=platform, code="000.00.00.G10", name="Bộ Công an",
                                      is_central=True)
    office = services.create_member(actor=platform, code="000.00.01.H12",
                                    name="Văn phòng UBND tỉnh", agency=tree.commune_a)
    registry = services.create_system(actor=provider_operator, member=department,
                                      code="datdai", name="Hệ thống đất đai",
                                      agency=tree.department)
    land_service = services.create_service(
        actor=provider_operator, system=registry, code="thuadat", name="Tra cứu thửa đất",
        endpoints=[land.url], agency=tree.department, timeout_seconds=1.0)
    services.import_description(actor=provider_operator, service=land_service,
                                text=json.dumps(openapi_document(land.url)))
    population_service = services.create_service(
        actor=platform, system=services.create_system(
            actor=platform, member=ministry, code="csdldc", name="CSDL quốc gia về dân cư"),
        code="dancu", name="Dân cư", protocol="soap", endpoints=[f"{population.url}/"])
    services.import_description(actor=platform, service=population_service,
                                text=wsdl_document(f"{population.url}/"))
    consumer = services.create_system(actor=operator, member=office, code="motcua",
                                      name="Một cửa", agency=tree.commune_a)
    stranger = services.create_system(actor=operator, member=office, code="dulich",
                                      name="Du lịch", agency=tree.commune_a)
    _agreement(operator, provider_operator, consumer, land_service,
               ["searchParcels", "getParcel"])
    _agreement(operator, platform, consumer, population_service, ["TraCuuThongTinCongDan"])
    key, token = services.issue_api_key(actor=operator, system=consumer)
    _, stranger_token = services.issue_api_key(actor=operator, system=stranger)
    port, admin_port = free_port(), free_port()
    _, gateway_token = services.register_gateway(
        actor=platform, code="gw-test", name="Gateway", admin_url=f"http://127.0.0.1:{admin_port}")
    token_file = tmp_path / "gateway-token"
    token_file.write_text(gateway_token)
    data_dir = tmp_path / "gateway"
    gateway = start_gateway(token_file=token_file, data_dir=data_dir,
                            control_url=live_server.url, port=port, admin_port=admin_port)
    running = Hub(land, population, consumer, stranger, key, token, stranger_token, operator,
                  provider_operator, platform, land_service, gateway, token_file, data_dir,
                  live_server.url)
    yield running
    running.gateway.stop()  # a test may have restarted it: stop the one running now
    gateway.stop()
    land.stop()
    population.stop()


def test_allowed_rest_and_soap_calls_reach_the_providers_with_their_identification(
        hub: Hub) -> None:
    reply = hub.rest(f"{LAND}/parcels?commune_code=32002", "rest-1")
    assert reply.status == 200, reply.body
    assert reply.json()["count"] > 0
    seen = call(f"{hub.land.url}/_requests").json()
    last = seen["requests"][-1] if isinstance(seen, dict) else seen[-1]
    assert json.dumps(last).count("rest-1") >= 1  # the provider saw the request id

    soap = call(f"{hub.gateway.url}/", data=soap_envelope("TraCuuThongTinCongDan", "soap-1"),
                headers={"Content-Type": "text/xml; charset=utf-8", "X-Api-Key": hub.token})
    assert soap.status == 200, soap.body
    assert "Nguyễn Văn Hùng" in soap.body.decode()


def test_a_system_calls_with_an_access_token_from_govhubs_own_provider(hub: Hub) -> None:
    # OAuth 2 client credentials (RFC 6749 §4.4) at the live provider; the gateway verifies the
    # RFC 9068 JWT against the JWKS it fetched, with no call back per request.
    binding, secret = services.create_oauth_client(actor=hub.platform, system=hub.consumer,
                                                   name="Một cửa — máy chủ")
    credentials = base64.b64encode(f"{binding.client.client_id}:{secret}".encode()).decode()
    issued = call(f"{hub.live_url}/o/token/", data=b"grant_type=client_credentials",
                  headers={"Authorization": f"Basic {credentials}",
                           "Content-Type": "application/x-www-form-urlencoded"})
    assert issued.status == 200, issued.body
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}

    def answered(status: int) -> Callable[[], bool]:
        return lambda: call(f"{hub.gateway.url}{SEARCH}", headers={
            **hub.identification("jwt-1"), **bearer}).status == status

    eventually(answered(200), what="the token is accepted once the binding reaches the gateway")
    forged = {"Authorization": "Bearer " + issued.json()["access_token"][:-4] + "AAAA"}
    assert call(f"{hub.gateway.url}{SEARCH}", headers={
        **hub.identification("jwt-2"), **forged}).status == 401


def test_refusals_speak_problem_json_with_their_reason(hub: Hub) -> None:
    missing = call(f"{hub.gateway.url}{LAND}/parcels", headers={"X-Api-Key": hub.token})
    assert missing.status == 400
    assert missing.headers["content-type"] == "application/problem+json"
    assert {e["pointer"] for e in missing.json()["errors"]} >= {"/headers/x-road-id"}

    bad_key = hub.rest(SEARCH, "bad-key", token="ghk_nothing_here")
    assert bad_key.status == 401
    no_agreement = hub.rest(SEARCH, "stranger-1", token=hub.stranger_token,
                            client="000.00.01.H12/dulich")
    assert no_agreement.status == 403
    assert no_agreement.json()["fault_origin"] == "client"
    outside = hub.rest(f"{LAND}/parcels/P-1/planning", "outside-1")  # operation not granted
    assert outside.status == 403
    soap = call(f"{hub.gateway.url}/", data=soap_envelope("XacThucThongTinCongDan", "soap-2"),
                headers={"Content-Type": "text/xml; charset=utf-8", "X-Api-Key": hub.token})
    assert soap.status == 500
    assert b"403" in soap.body


def test_metaservices_list_exactly_what_the_consumer_may_call(hub: Hub) -> None:
    allowed = hub.rest("/r1/000.00.03.H12/datdai/allowedMethods", "meta-1")
    assert allowed.status == 200, allowed.body
    text = json.dumps(allowed.json())
    assert "searchParcels" in text
    assert "getParcel" in text
    assert "getParcelPlanning" not in text
    openapi = hub.rest("/r1/000.00.03.H12/datdai/getOpenAPI?serviceCode=thuadat", "meta-2")
    assert openapi.status == 200
    assert openapi.json()["openapi"].startswith("3.")


def test_quota_revocation_and_timeout_follow_the_control_plane(hub: Hub) -> None:
    # Upstream slower than the route's 1 s timeout: a 504 problem within the timeout.
    assert call(f"{hub.land.url}/_faults", data=json.dumps(
        {"searchParcels": {"delay_seconds": 3}}).encode(),
        headers={"Content-Type": "application/json"}).status == 200
    started = time.monotonic()
    slow = hub.rest(SEARCH, "slow-1")
    assert slow.status == 504
    assert slow.json()["fault_origin"] == "provider-technical"
    assert slow.json()["retryable"]
    assert time.monotonic() - started < 2.0

    # A quota set by the operator reaches the gateway (push trigger) and is enforced.
    services.set_quota(actor=hub.operator, system=hub.consumer, requests=2, per_seconds=3600)
    eventually(lambda: any(hub.rest(f"{LAND}/parcels/X", f"q-{i}").status == 429
                           for i in range(3)), what="429 once the quota is used up")
    limited = hub.rest(f"{LAND}/parcels/X", "q-last")
    assert limited.status == 429
    assert int(limited.headers["retry-after"]) >= 1

    # A revoked key stops working without restarting anything.
    services.revoke_api_key(actor=hub.operator, key=hub.key)
    eventually(lambda: hub.rest(f"{LAND}/parcels/X", "revoked").status == 401,
               what="401 once the key is revoked")


def test_expiry_ends_access_by_itself(hub: Hub) -> None:
    _agreement(hub.operator, hub.provider_operator, hub.stranger, hub.land_service,
               ["searchParcels"], valid_seconds=4)
    stranger = {"token": hub.stranger_token, "client": "000.00.01.H12/dulich"}
    eventually(lambda: hub.rest(SEARCH, "exp-1", **stranger).status == 200,
               what="the new agreement reaches the gateway")
    eventually(lambda: hub.rest(SEARCH, "exp-2", **stranger).status == 403,
               what="the expired agreement refuses")


def test_evidence_chain_verifies_and_names_an_altered_or_missing_record(hub: Hub) -> None:
    for index in range(4):
        assert hub.rest(SEARCH, f"ev-{index}").status == 200
    eventually(lambda: models.EvidenceRecord.objects.count() >= 4, what="evidence shipped")
    out = io.StringIO()
    call_command("evidence", "verify", stdout=out)
    assert "toàn vẹn" in out.getvalue()

    altered = models.EvidenceRecord.objects.get(request_id="ev-1")
    models.EvidenceRecord.objects.filter(pk=altered.pk).update(status=500)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("evidence", "verify", stdout=out)
    assert exit_code.value.code == 1
    assert "ev-1" in out.getvalue()

    models.EvidenceRecord.objects.filter(pk=altered.pk).update(status=altered.status)
    missing = models.EvidenceRecord.objects.get(request_id="ev-2")
    models.EvidenceRecord.objects.filter(pk=missing.pk).delete()
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("evidence", "verify", stdout=out)
    assert str(missing.sequence) in out.getvalue()


def test_the_gateways_heartbeat_anchors_the_tail_of_its_evidence(hub: Hub) -> None:
    """The real gateway reports the last record the control plane acknowledged; removing the
    newest stored record, which a chain alone cannot show, then fails the check."""
    for index in range(3):
        assert hub.rest(SEARCH, f"tail-{index}").status == 200

    def newest() -> models.EvidenceRecord | None:
        return models.EvidenceRecord.objects.filter(gateway="gw-test").order_by(
            "-sequence").first()

    def anchored() -> bool:
        gateway = models.Gateway.objects.get(code="gw-test")
        last = newest()
        return (last is not None and last.request_id == "tail-2"
                and gateway.evidence_shipped_sequence == last.sequence
                and gateway.evidence_shipped_hash == last.hash)

    eventually(anchored, what="a heartbeat naming the newest shipped record")
    last = newest()
    assert last is not None
    assert models.EvidenceCheckpoint.objects.filter(gateway="gw-test").exists()
    call_command("evidence", "verify", stdout=io.StringIO())  # intact: no SystemExit
    last.delete()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("evidence", "verify", stdout=out)
    assert exit_code.value.code == 1
    assert f"missing record {last.sequence} at the end of the log" in out.getvalue()


def test_the_gateway_keeps_serving_while_the_control_plane_is_down(hub: Hub) -> None:
    assert hub.rest(SEARCH, "before").status == 200
    hub.gateway.stop()
    # Restarted pointing at a control plane that does not answer: the snapshot on disk serves.
    dead = f"http://127.0.0.1:{free_port()}"
    hub.gateway = start_gateway(token_file=hub.gateway_token_file, data_dir=hub.data_dir,
                                control_url=dead, port=free_port(), admin_port=free_port())
    assert hub.rest(SEARCH, "during-outage").status == 200
    assert hub.rest(SEARCH, "no-agreement", token=hub.stranger_token,
                    client="000.00.01.H12/dulich").status == 403
