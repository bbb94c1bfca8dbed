"""Prometheus metrics of the data plane, on the gateway's own registry (never the global one:
the engine, tests and a second gateway in one process must not share series).

Label values are bounded: ``consumer`` is an authenticated system or "-" (a header a stranger
wrote never becomes a series), ``service``/``operation`` come from the snapshot or are "-".

The hot path counts in plain lists, one per label combination (a dict lookup, three list
increments and a ``bisect`` for the bucket: no locks, no ``prometheus_client`` child
objects, whose ``inc``/``observe`` take a lock each). Everything is counted on the event
loop, which is the only writer. The series are built from those lists when ``/metrics`` is
scraped, by a custom collector (``prometheus_client`` "custom collectors"), with the same
names, labels and types as ``Counter``/``Histogram`` would export, ``_created`` included.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

# Milliseconds matter: the gateway adds microseconds, providers answer in 5 ms … 30 s.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0, 30.0)
_STATUS_CLASSES = ("0xx", "1xx", "2xx", "3xx", "4xx", "5xx")
_LABELS = ("consumer", "provider", "service", "operation")
_BUCKET_NAMES = [floatToGoString(bound) for bound in DURATION_BUCKETS] + ["+Inf"]
# A cell: [created, sum of seconds, count of bucket 1, …, count of +Inf] (not cumulative).
_SUM, _FIRST_BUCKET = 1, 2

Key = tuple[str, str, str, str, int, str]  # the four labels, status // 100, fault origin


class _ExchangeCollector(Collector):
    """Requests, errors and durations, built from ``GatewayMetrics``' cells at scrape."""

    def __init__(self, cells: dict[Key, list[float]]) -> None:
        self.cells = cells

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "govhub_gateway_requests", "Exchanges through the gateway, by outcome class.",
            labels=(*_LABELS, "status_class"))
        errors = CounterMetricFamily(
            "govhub_gateway_errors", "Failed exchanges, by who must act (fault origin).",
            labels=(*_LABELS, "fault_origin"))
        by_request: dict[tuple[str, ...], list[float]] = {}  # [created, count]
        by_error: dict[tuple[str, ...], list[float]] = {}
        by_labels: dict[tuple[str, ...], list[float]] = {}  # a cell, summed
        for key, cell in list(self.cells.items()):
            labels: tuple[str, ...] = key[:4]
            count = sum(cell[_FIRST_BUCKET:])
            status_class = key[4]
            status = _STATUS_CLASSES[status_class] if 0 <= status_class < 6 else "5xx"
            _add(by_request, (*labels, status), [cell[0], count])
            if key[5]:
                _add(by_error, (*labels, key[5]), [cell[0], count])
            _add(by_labels, labels, list(cell))
        for labels, (created, count) in by_request.items():
            requests.add_metric(labels, count, created=created)
        for labels, (created, count) in by_error.items():
            errors.add_metric(labels, count, created=created)
        yield requests
        yield errors
        yield self._durations(by_labels)

    @staticmethod
    def _durations(by_labels: dict[tuple[str, ...], list[float]]) -> Metric:
        duration = HistogramMetricFamily(
            "govhub_gateway_request_duration_seconds",
            "Time from request head received to last response byte sent.", labels=_LABELS)
        for labels, cell in by_labels.items():
            cumulative, buckets = 0.0, []
            for name, count in zip(_BUCKET_NAMES, cell[_FIRST_BUCKET:], strict=True):
                cumulative += count
                buckets.append((name, cumulative))
            duration.add_metric(labels, buckets, cell[_SUM])
            duration.add_sample("govhub_gateway_request_duration_seconds_created",
                                dict(zip(_LABELS, labels, strict=True)), cell[0])
        return duration


def _add(into: dict[tuple[str, ...], list[float]], key: tuple[str, ...],
         values: list[float]) -> None:
    """Sum ``values`` into ``into[key]``, the first (created) as the minimum."""
    held = into.get(key)
    if held is None:
        into[key] = values
        return
    held[0] = min(held[0], values[0])
    for index in range(1, len(values)):
        held[index] += values[index]


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._cells: dict[Key, list[float]] = {}
        self.registry.register(_ExchangeCollector(self._cells))
        self.snapshot_version = Gauge(
            "govhub_gateway_snapshot_version", "Version of the configuration snapshot served.",
            registry=self.registry)

    def observe(self, consumer: str, provider: str, service: str, operation: str,
                status: int, fault_origin: str, seconds: float) -> None:
        key = (consumer, provider, service, operation, status // 100, fault_origin)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = [time.time()] + [0.0] * (len(_BUCKET_NAMES) + 1)
        cell[_SUM] += seconds
        # le is inclusive (a value equal to a bound counts in that bucket): bisect_left.
        cell[_FIRST_BUCKET + bisect_left(DURATION_BUCKETS, seconds)] += 1

    def set_snapshot_version(self, version: int) -> None:
        self.snapshot_version.set(version)

    def render(self) -> tuple[bytes, str]:
        """The exposition text for ``/metrics`` and its Content-Type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
