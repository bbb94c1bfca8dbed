"""Prometheus metrics of the data plane, on the gateway's own registry (never the global one:
the engine, tests and a second gateway in one process must not share series).

Label values are bounded: ``consumer`` is an authenticated system or "-" (a header a stranger
wrote never becomes a series), ``service``/``operation`` come from the snapshot or are "-".
Each label combination's children are cached in a dict, so the hot path does one tuple
lookup instead of ``.labels()`` string work per request.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

# Milliseconds matter: the gateway adds microseconds, providers answer in 5 ms … 30 s.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0, 30.0)
_STATUS_CLASSES = ("0xx", "1xx", "2xx", "3xx", "4xx", "5xx")


class _Children:
    __slots__ = ("duration", "errors", "requests")

    def __init__(self, requests: Counter, errors: Counter | None, duration: Histogram) -> None:
        self.requests = requests
        self.errors = errors
        self.duration = duration


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        names = ("consumer", "provider", "service", "operation")
        self.requests = Counter(
            "govhub_gateway_requests", "Exchanges through the gateway, by outcome class.",
            (*names, "status_class"), registry=self.registry)
        self.errors = Counter(
            "govhub_gateway_errors", "Failed exchanges, by who must act (fault origin).",
            (*names, "fault_origin"), registry=self.registry)
        self.duration = Histogram(
            "govhub_gateway_request_duration_seconds",
            "Time from request head received to last response byte sent.", names,
            buckets=DURATION_BUCKETS, registry=self.registry)
        self.snapshot_version = Gauge(
            "govhub_gateway_snapshot_version", "Version of the configuration snapshot served.",
            registry=self.registry)
        self._children: dict[tuple[str, str, str, str, int, str], _Children] = {}

    def observe(self, consumer: str, provider: str, service: str, operation: str,
                status: int, fault_origin: str, seconds: float) -> None:
        key = (consumer, provider, service, operation, status // 100, fault_origin)
        children = self._children.get(key)
        if children is None:
            children = self._make_children(key)
        children.requests.inc()
        if children.errors is not None:
            children.errors.inc()
        children.duration.observe(seconds)

    def _make_children(self, key: tuple[str, str, str, str, int, str]) -> _Children:
        consumer, provider, service, operation, status_class, fault_origin = key
        labels = (consumer, provider, service, operation)
        status_label = _STATUS_CLASSES[status_class] if 0 <= status_class < 6 else "5xx"
        children = _Children(
            self.requests.labels(*labels, status_label),
            self.errors.labels(*labels, fault_origin) if fault_origin else None,
            self.duration.labels(*labels))
        self._children[key] = children
        return children

    def set_snapshot_version(self, version: int) -> None:
        self.snapshot_version.set(version)

    def render(self) -> tuple[bytes, str]:
        """The exposition text for ``/metrics`` and its Content-Type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
