"""GatewayPolicy.decide for REST calls: what is forwarded where, and every refusal."""

from __future__ import annotations

import json
from datetime import timedelta

from govhub_contracts.snapshot import EvidenceRecord, MaintenanceWindow, Operation
from govhub_gateway.engine.exchange import Forward, Respond
from govhub_gateway.evidence.metrics import GatewayMetrics
from govhub_gateway.policy.credentials import TokenVerifier
from govhub_gateway.policy.gateway_policy import GatewayPolicy
from govhub_gateway.tests.policy_builders import (
    API_KEY,
    CONSUMER,
    NOW,
    PARCELS,
    EvidenceList,
    grant,
    harness,
    head,
    identification,
    outcome,
    parcels_service,
    snapshot,
)


def problem(decision: object) -> dict[str, object]:
    assert isinstance(decision, Respond), decision
    assert ("content-type", "application/problem+json") in decision.headers
    body = json.loads(decision.body)
    assert body["status"] == decision.status
    return body


def test_allowed_call_is_forwarded_to_the_first_endpoint_with_the_xroad_headers() -> None:
    h = harness()
    decision = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42?fields=area", auth=None, extra=[
        ("x-api-key", API_KEY), ("accept", "application/json")]))
    assert isinstance(decision, Forward)
    assert decision.origin == "http://127.0.0.1:9001"
    assert decision.target == "/api/parcels/42?fields=area"
    assert decision.host_header == "127.0.0.1:9001"
    assert (decision.timeout_seconds, decision.max_request_bytes,
            decision.max_response_bytes) == (7.5, 1000, 2000)
    added = dict(decision.add_headers)
    assert added["X-Road-Client"] == CONSUMER
    assert added["X-Road-Id"] == "req-0001"
    assert added["X-Road-UserId"] == "officer-17"
    assert added["X-Road-Issue"] == "1.004227.000.00.00.H12"
    assert added["X-Road-Service"] == PARCELS
    assert added["X-Road-Request-Id"].startswith("gw-test-")
    # The consumer's credentials and its own X-Road headers never travel upstream.
    assert {"authorization", "x-api-key", "x-road-client", "x-road-id"} <= decision.drop_headers
    assert decision.capture_bodies is False


def test_each_forward_gets_its_own_gateway_request_id() -> None:
    h = harness()
    first = h.policy.decide(head(f"/r1/{PARCELS}/parcels"))
    second = h.policy.decide(head(f"/r1/{PARCELS}/parcels"))
    assert isinstance(first, Forward)
    assert isinstance(second, Forward)
    assert dict(first.add_headers)["X-Road-Request-Id"] != \
        dict(second.add_headers)["X-Road-Request-Id"]


def test_completed_exchange_writes_one_valid_evidence_record_without_bodies() -> None:
    h = harness()
    request = head(f"/r1/{PARCELS}/parcels/42?cccd=001099012345")
    decision = h.policy.decide(request)
    assert isinstance(decision, Forward)
    h.policy.complete(request, decision.exchange, outcome(200, request_body=b"secret"))
    assert len(h.evidence) == 1
    fields = h.evidence[0]
    record = EvidenceRecord(gateway="gw-test", sequence=1, previous_hash="0" * 64, **fields)
    assert (record.request_id, record.client, record.service, record.operation) == (
        "req-0001", CONSUMER, PARCELS, "getParcel")
    assert (record.user_id, record.status, record.method) == ("officer-17", 200, "GET")
    assert record.path == f"/r1/{PARCELS}/parcels/42"  # the query (a citizen id) is left out
    assert record.request_body is None
    assert record.started_at == NOW
    assert record.duration_ms == 4.2
    assert "ghk_" not in json.dumps(fields, default=str)


def test_bodies_are_evidence_only_for_services_with_full_logging() -> None:
    h = harness(snapshot(services=[parcels_service(log_bodies=True)]))
    request = head(f"/r1/{PARCELS}/parcels", method="POST")
    decision = h.policy.decide(request)
    assert isinstance(decision, Forward)
    assert decision.capture_bodies is True
    h.policy.complete(request, decision.exchange,
                      outcome(201, request_body="thửa số 7".encode(), response_body=b"\xffok"))
    assert h.evidence[0]["request_body"] == "thửa số 7"
    assert h.evidence[0]["response_body"] == "\ufffdok"


def test_before_any_snapshot_every_request_gets_503_not_ready() -> None:
    policy = GatewayPolicy(gateway_id="gw", evidence=EvidenceList(), metrics=GatewayMetrics(),
                           tokens=TokenVerifier())
    assert policy.is_ready is False
    assert policy.snapshot_version is None
    decision = policy.decide(head(f"/r1/{PARCELS}/parcels"))
    body = problem(decision)
    assert body["type"] == "/problems/gateway-not-ready"
    assert decision.status == 503  # type: ignore[union-attr]


def test_missing_and_malformed_identification_headers_are_each_named() -> None:
    h = harness()
    headers = identification(client="no-slash", request_id="bad id with spaces")
    del headers["x-road-userid"]
    headers["x-road-issue"] = "x" * 129
    decision = h.policy.decide(head(f"/r1/{PARCELS}/parcels", headers=headers))
    body = problem(decision)
    assert body["type"] == "https://hub.test/problems/gateway-missing-identification"
    pointers = sorted(error["pointer"] for error in body["errors"])  # type: ignore[attr-defined]
    assert pointers == ["/headers/x-road-client", "/headers/x-road-id", "/headers/x-road-issue",
                        "/headers/x-road-userid"]
    assert h.evidence == []  # nothing identified, nothing to put in the evidence log


def test_path_outside_r1_and_unknown_service_are_404() -> None:
    h = harness()
    assert problem(h.policy.decide(head("/parcels/1")))["status"] == 404
    body = problem(h.policy.decide(head(f"/r1/{CONSUMER}/nosuch/x")))
    assert body["type"] == "https://hub.test/problems/gateway-unknown-service"


def test_path_matching_no_declared_operation_is_404_and_wrong_method_is_405() -> None:
    h = harness()
    assert problem(h.policy.decide(head(f"/r1/{PARCELS}/parcels/1/owners")))["status"] == 404
    decision = h.policy.decide(head(f"/r1/{PARCELS}/parcels/1", method="DELETE"))
    assert problem(decision)["status"] == 405
    assert ("allow", "GET") in decision.headers  # type: ignore[union-attr]


def test_refusal_after_identification_is_evidence_too() -> None:
    h = harness()
    request = head(f"/r1/{PARCELS}/parcels/1/owners")
    decision = h.policy.decide(request)
    assert isinstance(decision, Respond)
    h.policy.complete(request, decision.exchange, outcome(404))
    assert h.evidence[0]["status"] == 404
    assert h.evidence[0]["fault_origin"] == "client"
    assert h.evidence[0]["request_id"] == "req-0001"


def test_no_grant_is_403_naming_consumer_service_and_operation() -> None:
    h = harness(snapshot(grants=[]))
    body = problem(h.policy.decide(head(f"/r1/{PARCELS}/parcels/42")))
    assert body["type"] == "https://hub.test/problems/gateway-access-denied"
    detail = str(body["detail"])
    assert CONSUMER in detail
    assert f"{PARCELS} (getParcel)" in detail
    assert "không có thỏa thuận" in detail
    assert "no agreement" in detail


def test_operation_level_grant_allows_only_its_operations() -> None:
    h = harness(snapshot(grants=[grant(operations=["getParcel"])]))
    assert isinstance(h.policy.decide(head(f"/r1/{PARCELS}/parcels/42")), Forward)
    body = problem(h.policy.decide(head(f"/r1/{PARCELS}/parcels", method="POST")))
    assert body["status"] == 403
    assert "operation not in the agreement" in str(body["detail"])


def test_grant_expiry_ends_access_without_a_new_snapshot() -> None:
    h = harness(snapshot(grants=[grant(days_left=0.5)]))
    assert isinstance(h.policy.decide(head(f"/r1/{PARCELS}/parcels/42")), Forward)
    h.clock.advance(timedelta(days=0.5).total_seconds())
    body = problem(h.policy.decide(head(f"/r1/{PARCELS}/parcels/42")))
    assert body["status"] == 403
    assert "agreement expired" in str(body["detail"])


def test_maintenance_window_answers_503_with_notice_and_retry_after() -> None:
    window = MaintenanceWindow(starts_at=NOW - timedelta(minutes=5),
                               ends_at=NOW + timedelta(minutes=10, seconds=0.5),
                               notice="Nâng cấp máy chủ CSDL đất đai")
    h = harness(snapshot(services=[parcels_service(maintenance=[window])]))
    decision = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42"))
    body = problem(decision)
    assert body["type"] == "https://hub.test/problems/gateway-under-maintenance"
    assert body["status"] == 503
    assert "Nâng cấp máy chủ CSDL đất đai" in str(body["detail"])
    assert ("retry-after", "601") in decision.headers  # type: ignore[union-attr]
    h.clock.advance(601)
    assert isinstance(h.policy.decide(head(f"/r1/{PARCELS}/parcels/42")), Forward)


def test_service_without_declared_operations_forwards_any_path_under_its_base() -> None:
    h = harness(snapshot(services=[parcels_service(operations=[],
                                                   endpoints=["https://land.example:443"])]))
    decision = h.policy.decide(head(f"/r1/{PARCELS}/anything/at/all"))
    assert isinstance(decision, Forward)
    assert (decision.origin, decision.target) == ("https://land.example:443",
                                                  "/anything/at/all")
    assert decision.host_header == "land.example"


def test_snapshot_swap_takes_effect_on_the_next_decide() -> None:
    h = harness()
    assert isinstance(h.policy.decide(head(f"/r1/{PARCELS}/parcels/42")), Forward)
    changed = parcels_service(endpoints=["http://10.0.0.9:8080/v2"], operations=[
        Operation(code="getParcel", method="GET", path="/parcels/{parcel_id}")])
    h.policy.update_snapshot(snapshot(version=2, services=[changed]))
    assert h.policy.snapshot_version == 2
    decision = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42"))
    assert isinstance(decision, Forward)
    assert (decision.origin, decision.target) == ("http://10.0.0.9:8080", "/v2/parcels/42")
    h.policy.update_snapshot(snapshot(version=3, grants=[]))
    assert problem(h.policy.decide(head(f"/r1/{PARCELS}/parcels/42")))["status"] == 403
