"""The gateway benchmark's full policy set (benchmarks/gateway_hub.py): the request
the benchmark sends must be one the real policy forwards, and every policy part it claims to
measure must really be on; otherwise its numbers describe refusals or a no-op."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks import gateway_hub as hub
from benchmarks.gateway_engine import WORKDIR_ENV

from govhub_gateway.engine.exchange import Forward, Outcome, RequestHead, Respond
from govhub_gateway.evidence.spool import verify_spool

UPSTREAM_PORT = 9  # never connected to: these tests call the policy directly


def bench_head(request_id: str, drop: str = "", path: str = hub.PATH) -> RequestHead:
    """The head wrk sends (the Lua script's headers, names lower-cased as the engine does)."""
    headers = [(name.lower(), value) for name, value in hub.HEADERS.items() if name != drop]
    headers.append(("x-road-id", request_id))
    return RequestHead(method="GET", target=path, path=path, query="", headers=headers,
                       client_address="127.0.0.1", received_at=time.time())


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[hub.HubPolicy]:
    """The benchmark's policy in ``tmp_path``; the root logger is restored afterwards
    (the factory points it at the access-log file, as the runner does in a gateway)."""
    monkeypatch.setenv(WORKDIR_ENV, str(tmp_path))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    built = hub.hub_policy("127.0.0.1", UPSTREAM_PORT)
    try:
        yield built
    finally:
        built.close()
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)


def test_benchmark_request_is_forwarded_to_the_upstream(policy: hub.HubPolicy) -> None:
    decision = policy.decide(bench_head("bench-1"))
    assert isinstance(decision, Forward), decision
    assert (decision.host, decision.port) == ("127.0.0.1", UPSTREAM_PORT)
    assert decision.target == "/api/parcels/79-123-4567"
    added = dict(decision.add_headers)
    assert added["X-Road-Client"] == hub.CONSUMER
    assert added["X-Road-Id"] == "bench-1"
    assert "authorization" in decision.drop_headers  # the key never travels upstream


@pytest.mark.parametrize(("drop", "path", "status"), [
    ("Authorization", hub.PATH, 401),  # API-key authentication is on
    ("X-Road-UserId", hub.PATH, 400),  # identification is checked
    ("", f"/r1/{hub.PROVIDER}/land/parcels/parcels", 403),  # listParcels: not in the grant
])
def test_policy_parts_are_really_on(policy: hub.HubPolicy, drop: str, path: str,
                                    status: int) -> None:
    decision = policy.decide(bench_head("bench-2", drop=drop, path=path))
    assert isinstance(decision, Respond)
    assert decision.status == status


def test_completed_exchange_leaves_evidence_and_an_access_line(
        policy: hub.HubPolicy, tmp_path: Path) -> None:
    head = bench_head("bench-3")
    decision = policy.decide(head)
    assert isinstance(decision, Forward)
    policy.complete(head, decision.exchange, Outcome(
        status=200, fault_origin="", request_bytes=0, response_bytes=51,
        request_sha256="a" * 64, response_sha256="b" * 64, total_seconds=0.0002,
        upstream_seconds=0.0001))
    records, problems = verify_spool(tmp_path / "spool")
    assert (records, problems) == (1, [])
    lines = (tmp_path / "access.log").read_text().splitlines()
    assert [json.loads(line)["request_id"] for line in lines] == ["bench-3"]
    metrics, _ = policy.metrics.render()
    assert b'operation="getParcel"' in metrics


def test_wrk_script_sends_every_header_and_a_fresh_request_id() -> None:
    for name, value in hub.HEADERS.items():
        assert f'wrk.headers["{name}"] = "{value}"' in hub.LUA
    assert 'wrk.headers["X-Road-Id"] = prefix .. counter' in hub.LUA
