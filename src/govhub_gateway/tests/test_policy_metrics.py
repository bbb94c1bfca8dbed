"""Metrics and the access log, as an operator sees them after exchanges complete."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from govhub_gateway.engine.exchange import Forward, Respond
from govhub_gateway.evidence.access_log import AccessLog
from govhub_gateway.evidence.metrics import GatewayMetrics
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
    stream = io.StringIO()
    h.policy.access_log = AccessLog(stream=stream)
    request = head(f"/r1/{PARCELS}/parcels/42")
    decision = h.policy.decide(request)
    assert isinstance(decision, Forward)
    with caplog.at_level(logging.INFO, logger="govhub_gateway.access"):
        h.policy.complete(request, decision.exchange, outcome(200))
    (line,) = stream.getvalue().splitlines()
    fields = json.loads(line)
    assert (fields["level"], fields["logger"], fields["message"]) == (
        "info", "govhub_gateway.access", "exchange")
    assert datetime.fromisoformat(fields["time"]).tzinfo is not None
    assert fields["request_id"] == "req-0001"
    assert fields["exchange_id"] == dict(decision.add_headers)["X-Road-Request-Id"]
    assert (fields["client"], fields["service"], fields["operation"]) == (
        CONSUMER, PARCELS, "getParcel")
    assert (fields["status"], fields["duration_ms"], fields["fault_origin"]) == (200, 4.2, "")
    assert "ghk_" not in line
    assert "officer-17" not in line  # the user id stays in the evidence log only


def test_access_log_is_silent_unless_its_logger_is_enabled_for_info() -> None:
    h = harness()
    stream = io.StringIO()
    h.policy.access_log = AccessLog(stream=stream)
    request = head(f"/r1/{PARCELS}/parcels/42")
    decision = h.policy.decide(request)
    assert isinstance(decision, Forward)
    logger = logging.getLogger("govhub_gateway.access")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        h.policy.complete(request, decision.exchange, outcome(200))
    finally:
        logger.setLevel(level)
    assert stream.getvalue() == ""


def test_duration_histogram_is_cumulative_and_a_bound_counts_in_its_own_bucket() -> None:
    metrics = GatewayMetrics()
    for seconds in (0.005, 0.0051, 31.0):  # on a bound, just above it, beyond the last
        metrics.observe("a/b", "c/d", "svc", "op", 200, "", seconds)
    metrics.observe("a/b", "c/d", "svc", "op", 502, "provider-technical", 0.001)
    found = samples(metrics)
    labels = {("consumer", "a/b"), ("provider", "c/d"), ("service", "svc"),
              ("operation", "op")}

    def bucket(le: str) -> float:
        return found[("govhub_gateway_request_duration_seconds_bucket",
                      frozenset({*labels, ("le", le)}))]

    assert [bucket(le) for le in ("0.001", "0.0025", "0.005", "0.01", "30.0", "+Inf")] == [
        1, 1, 2, 3, 3, 4]
    assert found[("govhub_gateway_request_duration_seconds_count", frozenset(labels))] == 4
    assert found[("govhub_gateway_request_duration_seconds_sum", frozenset(labels))] == \
        pytest.approx(31.0111)
    assert found[("govhub_gateway_requests_total",
                  frozenset({*labels, ("status_class", "2xx")}))] == 3
    assert found[("govhub_gateway_requests_total",
                  frozenset({*labels, ("status_class", "5xx")}))] == 1
    assert found[("govhub_gateway_errors_total",
                  frozenset({*labels, ("fault_origin", "provider-technical")}))] == 1
    types = {family.name: family.type
             for family in text_string_to_metric_families(metrics.render()[0].decode())}
    assert types["govhub_gateway_requests"] == "counter"
    assert types["govhub_gateway_errors"] == "counter"
    assert types["govhub_gateway_request_duration_seconds"] == "histogram"
    assert types["govhub_gateway_snapshot_version"] == "gauge"
