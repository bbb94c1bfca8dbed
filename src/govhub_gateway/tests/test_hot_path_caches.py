"""The per-request shortcuts of the hot path change no output: the evidence line and its hash, the
access line and the headers a request is judged by are what the slow path gives, the caches
never hand one client's values to another, stay bounded, and start afresh on a snapshot swap.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govhub_contracts.evidence_hash import (
    canonical_datetime,
    canonical_json,
    canonical_ms,
    canonical_timestamp,
)
from govhub_contracts.snapshot import EvidenceRecord
from govhub_gateway.engine import hygiene
from govhub_gateway.engine.exchange import Forward, Respond
from govhub_gateway.evidence import canonical as evidence_line
from govhub_gateway.evidence.access_log import ROUTE_CACHE_SIZE, AccessLog
from govhub_gateway.evidence.canonical import canonical_instant, encode_record
from govhub_gateway.evidence.spool import EvidenceSpool, list_segments
from govhub_gateway.policy import identification as identification_module
from govhub_gateway.policy.identification import Identification, identify_rest
from govhub_gateway.tests.policy_builders import (
    API_KEY,
    CONSUMER,
    OTHER,
    OTHER_KEY,
    PARCELS,
    harness,
    head,
    identification,
    outcome,
    snapshot,
)
from tests.support.evidence_values import exchange_fields, seeded


@pytest.fixture(autouse=True)
def access_logger_at_info() -> Iterator[None]:
    logger = logging.getLogger("govhub_gateway.access")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)


def test_the_fast_instant_text_is_canonical_timestamp_to_the_microsecond() -> None:
    rng = seeded(41)
    values = [rng.uniform(0, 4e9) for _ in range(20_000)]
    # Half a microsecond either way, and fractions that round up into the next second.
    values += [1_764_290_000 + n / 1e6 + 5e-7 for n in range(2_000)]
    values += [1_764_290_000.9999995, 1_764_290_000.9999999, 0.0, 0.25, 59.9999996]
    for seconds in values:
        assert canonical_instant(seconds) == canonical_timestamp(seconds), seconds


def spooled_lines(directory: Path, records: list[dict[str, Any]]) -> list[bytes]:
    spool = EvidenceSpool(directory, "gw-same")
    for fields in records:
        spool.append(fields)
    spool.close()
    return [line for _start, path in list_segments(directory)
            for line in path.read_bytes().splitlines()]


def test_started_at_as_canonical_text_writes_the_same_records_as_a_datetime(
        tmp_path: Path) -> None:
    rng = seeded(5)
    as_datetime = [exchange_fields(rng) for _ in range(50)]
    as_text = [{**fields, "started_at": canonical_datetime(fields["started_at"])}
               for fields in as_datetime]
    lines = spooled_lines(tmp_path / "datetime", as_datetime)
    assert spooled_lines(tmp_path / "text", as_text) == lines
    for line in lines:
        record = EvidenceRecord.model_validate_json(line)
        assert record.hash == record.compute_hash()


def test_a_non_canonical_started_at_text_is_refused_and_the_chain_does_not_move(
        tmp_path: Path) -> None:
    spool = EvidenceSpool(tmp_path, "gw")
    fields = exchange_fields(seeded(9))
    for wrong in ("2026-11-28 00:00:00", "2026-11-28T07:00:00.000000+07:00",
                  "2026-11-28T00:00:00+00:00"):
        with pytest.raises(ValueError, match="started_at"):
            spool.append({**fields, "started_at": wrong})
    assert spool.last_sequence == 0
    spool.append(fields)
    assert spool.last_sequence == 1
    spool.close()


def test_records_of_alternating_clients_each_carry_their_own_route() -> None:
    evidence_line.clear_route_cache()
    rng = seeded(11)
    for sequence in range(1, 200):
        fields = exchange_fields(rng)
        fields["client"] = rng.choice([CONSUMER, OTHER, 'x"y/z'])
        fields["service"] = rng.choice([PARCELS, "a/b/c"])
        record = {**fields, "gateway": "gw", "sequence": sequence, "previous_hash": "f" * 64,
                  "started_at": canonical_datetime(fields["started_at"]),
                  "duration_ms": canonical_ms(fields["duration_ms"]),
                  "upstream_ms": None}
        assert encode_record(record) == canonical_json(record)


def test_the_evidence_route_cache_stays_bounded() -> None:
    evidence_line.clear_route_cache()
    base = {**exchange_fields(seeded(3)), "gateway": "gw", "sequence": 1,
            "previous_hash": "0" * 64, "started_at": "2026-11-28T00:00:00.000000+00:00",
            "duration_ms": 1.0, "upstream_ms": None}
    for number in range(evidence_line.ROUTE_CACHE_SIZE + 50):
        record = {**base, "client": f"stranger/{number}"}
        assert json.loads(encode_record(record))["client"] == f"stranger/{number}"
    assert 0 < len(evidence_line._routes) <= evidence_line.ROUTE_CACHE_SIZE


def access_entries(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(text) for text in stream.getvalue().splitlines()]


def test_access_lines_of_alternating_routes_name_their_own_client_and_service() -> None:
    stream = io.StringIO()
    log = AccessLog(stream=stream)
    routes = [(CONSUMER, PARCELS, "getParcel"), (OTHER, PARCELS, ""),
              (CONSUMER, "a/b/c", "op"), ('q"uote/x', PARCELS, "getParcel")]
    for number in range(40):
        client, service, operation = routes[number % len(routes)]
        log.write(request_id=f"r{number}", client=client, service=service,
                  operation=operation, status=200, duration_ms=1.0, fault_origin="")
    log.close()
    for number, entry in enumerate(access_entries(stream)):
        assert (entry["client"], entry["service"], entry["operation"]) == \
            routes[number % len(routes)]
        assert entry["request_id"] == f"r{number}"


def test_the_access_route_cache_stays_bounded() -> None:
    stream = io.StringIO()
    log = AccessLog(stream=stream)
    for number in range(ROUTE_CACHE_SIZE + 50):
        log.write(request_id="r", client=f"stranger/{number}", service="-", operation="",
                  status=401, duration_ms=0.1, fault_origin="client")
    log.close()
    assert access_entries(stream)[-1]["client"] == f"stranger/{ROUTE_CACHE_SIZE + 49}"
    assert 0 < len(log._routes) <= ROUTE_CACHE_SIZE


def test_a_snapshot_swap_clears_the_route_caches() -> None:
    h = harness()
    h.policy.access_log = AccessLog(stream=io.StringIO())
    request = head(f"/r1/{PARCELS}/parcels/42")
    decision = h.policy.decide(request)
    assert isinstance(decision, Forward)
    h.policy.complete(request, decision.exchange, outcome())
    assert h.policy.access_log._routes
    encode_record({**exchange_fields(seeded(1)), "gateway": "gw", "sequence": 1,
                   "previous_hash": "0" * 64,
                   "started_at": "2026-11-28T00:00:00.000000+00:00", "duration_ms": 1.0,
                   "upstream_ms": None})
    assert evidence_line._routes
    h.policy.update_snapshot(snapshot(version=2))
    assert h.policy.access_log._routes == {}
    assert evidence_line._routes == {}


def test_repeated_identification_or_key_headers_are_refused_other_repeats_pass() -> None:
    """The one-pass header dict keeps the first value of each name; a second X-Road-Client or
    a second key must not be silently dropped by it (RFC 9110 §5.3)."""
    h = harness()
    extra = [("x-road-client", OTHER)]
    refused = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42", extra=extra))
    assert isinstance(refused, Respond)
    assert refused.status == 400
    assert json.loads(refused.body)["errors"][0]["pointer"] == "/headers/x-road-client"
    headers = [*identification().items(), ("authorization", f"Bearer {OTHER_KEY}"),
               ("authorization", f"Bearer {API_KEY}")]
    refused = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42", auth=None, extra=headers[4:],
                                   headers=dict(headers[:4])))
    assert isinstance(refused, Respond)
    assert refused.status == 400
    # A list-valued field sent twice is not an identity question.
    extra = [("accept", "application/json"), ("accept", "text/plain")]
    decision = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42", extra=extra))
    assert isinstance(decision, Forward)
    assert dict(decision.add_headers)["X-Road-Client"] == CONSUMER


def test_each_request_gets_its_own_user_and_issue_and_invalid_ones_stay_refused() -> None:
    identification_module._valid_who.clear()
    h = harness()
    for user in ("officer-17", " officer-18 ", "officer-17"):
        headers = {**identification(), "x-road-userid": user}
        decision = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42", headers=headers))
        assert isinstance(decision, Forward)
        assert dict(decision.add_headers)["X-Road-UserId"] == user.strip()
    for _ in range(2):  # a refused triple is not remembered as valid
        headers = {**identification(), "x-road-userid": "cán bộ 17"}
        refused = h.policy.decide(head(f"/r1/{PARCELS}/parcels/42", headers=headers))
        assert isinstance(refused, Respond)
        assert refused.status == 400


def test_the_identification_cache_stays_bounded() -> None:
    identification_module._valid_who.clear()
    for number in range(identification_module.WHO_CACHE_SIZE + 50):
        found = identify_rest([("x-road-client", CONSUMER), ("x-road-id", f"r{number}"),
                               ("x-road-userid", f"user-{number}"), ("x-road-issue", "1.0")])
        assert isinstance(found, Identification)
        assert (found.user_id, found.request_id) == (f"user-{number}", f"r{number}")
    assert 0 < len(identification_module._valid_who) <= identification_module.WHO_CACHE_SIZE


def test_one_pass_header_hygiene_matches_the_two_pass_rules_both_ways() -> None:
    rng = seeded(17)
    names = ["accept", "via", "x-forwarded-for", "keep-alive", "x-custom", "te", "host",
             "authorization", "x-road-id", "content-length", "upgrade", "connection"]
    connection_values = ["keep-alive", "close", "x-custom", "x-custom, te", "via", "Accept, ",
                         "keep-alive, upgrade"]
    forward = Forward(scheme="http", host="10.0.0.1", port=8080, target="/", timeout_seconds=1,
                      max_request_bytes=1, max_response_bytes=1,
                      add_headers=[("X-Road-Client", CONSUMER)],
                      drop_headers=frozenset({"authorization"}))
    for _ in range(400):
        headers = []
        for _field in range(rng.randint(0, 8)):
            name = rng.choice(names)
            value = rng.choice(connection_values) if name == "connection" else f"v{_field}"
            headers.append((name, value))
        request = head("/r1/x", headers=dict(headers[:0]), auth=None, extra=headers)
        assert hygiene.upstream_request_headers(request, forward) == \
            hygiene._upstream_request_headers(request, forward)
        response = [(name.title().encode(), value.encode()) for name, value in headers]
        assert hygiene.client_response_headers(response) == \
            hygiene._client_response_headers(response)


def test_the_spool_gets_from_the_policy_the_record_any_other_sink_gets(tmp_path: Path) -> None:
    h = harness()
    request = head(f"/r1/{PARCELS}/parcels/42?cccd=001099012345")
    decision = h.policy.decide(request)
    assert isinstance(decision, Forward)
    spool = EvidenceSpool(tmp_path, "gw-test")
    h.policy.complete(request, decision.exchange, outcome())  # the dict, to a plain sink
    h.policy.evidence = spool
    h.policy.complete(request, decision.exchange, outcome())  # ExchangeFields, to the spool
    spool.close()
    (line,) = [line for _start, path in list_segments(tmp_path)
               for line in path.read_bytes().splitlines()]
    on_disk = EvidenceRecord.model_validate_json(line)
    expected = EvidenceRecord(gateway="gw-test", sequence=1, previous_hash="0" * 64,
                              **h.evidence[0])
    assert on_disk.model_dump(exclude={"hash"}) == expected.model_dump(exclude={"hash"})
    assert on_disk.hash == on_disk.compute_hash() == expected.compute_hash()
    assert on_disk.path == f"/r1/{PARCELS}/parcels/42"
