"""Metrics and the access log, as an operator sees them after exchanges complete."""

from __future__ import annotations

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from govhub_gateway.exchange import Forward, Respond
from govhub_gateway.metrics import GatewayMetrics
from govhub_gateway.tests.policy_builders import (
    CONSUMER,
    LAND,
    PARCELS,
    harness,
    head,
    outcome,
    snapshot,
)


def samples(metrics: GatewayMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text, content_type = metrics.render()
    assert content_type.startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text.decode())
            for s in family.samples}


def test_metrics_count_exchanges_errors_and_durations_by_series() -> None:
    h = harness()
    request = head(f"/r1/{PARCELS}/parcels/42")
    for status, origin in ((200, ""), (200, ""), (504, "provider-technical")):
        decision = h.policy.decide(request)
        assert isinstance(decision, Forward)
        h.policy.complete(request, decision.exchange, outcome(status, fault_origin=origin))
    labels = {("consumer", CONSUMER), ("provider", f"{LAND}/land"), ("service", "parcels"),
              ("operation", "getParcel")}
    found = samples(h.metrics)
    ok = frozenset({*labels, ("status_class", "2xx")})
    assert found[("govhub_gateway_requests_total", ok)] == 2
    failed = frozenset({*labels, ("fault_origin", "provider-technical")})
    assert found[("govhub_gateway_errors_total", failed)] == 1
    bucket = frozenset({*labels, ("le", "0.005")})
    assert found[("govhub_gateway_request_duration_seconds_bucket", bucket)] == 3
    assert found[("govhub_gateway_snapshot_version", frozenset())] == 1


def test_refusals_are_metered_with_their_fault_origin_and_bounded_labels() -> None:
    h = harness(snapshot(version=7))
    request = head(f"/r1/{PARCELS}/parcels/42", auth="ghk_forged_secret")
    decision = h.policy.decide(request)
    assert isinstance(decision, Respond)
    h.policy.complete(request, decision.exchange, outcome(401))
    found = samples(h.metrics)
    # An unauthenticated caller's claimed identity never becomes a label value.
    labels = frozenset({("consumer", "-"), ("provider", "-"), ("service", "-"),
                        ("operation", ""), ("fault_origin", "client")})
    assert found[("govhub_gateway_errors_total", labels)] == 1
    assert found[("govhub_gateway_snapshot_version", frozenset())] == 7


def test_each_gateway_metrics_object_has_its_own_registry() -> None:
    first, second = harness(), harness()
    request = head(f"/r1/{PARCELS}/parcels/42")
    decision = first.policy.decide(request)
    assert isinstance(decision, Forward)
    first.policy.complete(request, decision.exchange, outcome(200))
    assert b"govhub_gateway_requests_total{" in first.metrics.render()[0]
    assert b"govhub_gateway_requests_total{" not in second.metrics.render()[0]


def test_access_log_has_one_structured_line_without_credentials(
        caplog: pytest.LogCaptureFixture) -> None:
    h = harness()
    request = head(f"/r1/{PARCELS}/parcels/42")
    decision = h.policy.decide(request)
    assert isinstance(decision, Forward)
    with caplog.at_level(logging.INFO, logger="govhub_gateway.access"):
        h.policy.complete(request, decision.exchange, outcome(200))
    (record,) = caplog.records
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["request_id"] == "req-0001"
    assert (fields["client"], fields["service"], fields["operation"]) == (
        CONSUMER, PARCELS, "getParcel")
    assert (fields["status"], fields["duration_ms"], fields["fault_origin"]) == (200, 4.2, "")
    assert "ghk_" not in repr(fields)
    assert "officer-17" not in repr(fields)  # the user id stays in the evidence log only
