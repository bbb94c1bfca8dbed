"""The gateway-facing API with real gateway tokens, through the real URL and middleware."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client as HttpClient

from govhub.integration import models, services
from govhub.integration.tests.chain import make_chain
from govhub.integration.tests.fixtures import Hub, publish
from govhub_contracts.problem import MEDIA_TYPE
from govhub_contracts.snapshot import EvidenceBatch, Snapshot

pytestmark = pytest.mark.django_db

API = "/api/integration/gateway"


@pytest.fixture
def gateway(hub: Hub) -> tuple[models.Gateway, str]:
    return services.register_gateway(actor=hub.platform, code="gw-1", name="Gateway 1")


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _post(path: str, body: Any, token: str) -> Any:
    client = HttpClient(enforce_csrf_checks=True)  # a gateway has no CSRF cookie
    return client.post(f"{API}{path}", data=json.dumps(body, default=str),
                       content_type="application/json", **_auth(token))


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(MEDIA_TYPE)
    return json.loads(response.content)  # type: ignore[no-any-return]


def test_token_is_ghg_and_only_its_hash_is_stored(gateway: tuple[models.Gateway, str]) -> None:
    row, token = gateway
    assert token.startswith("ghg_")
    assert token not in row.token_sha256


def test_no_snapshot_yet_is_a_404_problem(gateway: tuple[models.Gateway, str]) -> None:
    _problem(HttpClient().get(f"{API}/snapshot", **_auth(gateway[1])), 404)


def test_snapshot_with_etag_then_304(gateway: tuple[models.Gateway, str]) -> None:
    stored = publish()
    assert stored is not None
    response = HttpClient().get(f"{API}/snapshot", **_auth(gateway[1]))
    assert response.status_code == 200
    assert response["ETag"] == f'"{stored.revision}"'
    snapshot = Snapshot.model_validate_json(response.content)
    assert snapshot.is_intact()
    assert snapshot.version == stored.version
    again = HttpClient().get(f"{API}/snapshot", HTTP_IF_NONE_MATCH=f'"{stored.revision}"',
                             **_auth(gateway[1]))
    assert again.status_code == 304
    assert again.content == b""
    stale = HttpClient().get(f"{API}/snapshot", HTTP_IF_NONE_MATCH='"older"',
                             **_auth(gateway[1]))
    assert stale.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer ghg_wrong"},
                                     {"HTTP_AUTHORIZATION": "Basic Z3c6eA=="}])
def test_without_a_valid_token_401(gateway: tuple[models.Gateway, str],
                                   headers: dict[str, str]) -> None:
    publish()
    _problem(HttpClient().get(f"{API}/snapshot", **headers), 401)


def test_a_session_does_not_open_the_gateway_api(hub: Hub) -> None:
    client = HttpClient()
    client.force_login(hub.platform)
    _problem(client.get(f"{API}/snapshot"), 401)


def _heartbeat(code: str) -> dict[str, Any]:
    return {"gateway": code, "software_version": "0.1.0", "snapshot_version": 1,
            "snapshot_revision": "ab" * 32, "started_at": datetime.now(UTC).isoformat(),
            "spooled_evidence": 3}


def test_heartbeat_updates_the_gateway(gateway: tuple[models.Gateway, str]) -> None:
    row, token = gateway
    response = _post("/heartbeat", _heartbeat("gw-1"), token)
    assert response.status_code == 204, response.content
    row.refresh_from_db()
    assert row.last_heartbeat_at is not None
    assert (row.software_version, row.snapshot_version, row.spooled_evidence) == ("0.1.0", 1, 3)


def test_heartbeat_for_another_gateway_is_403(gateway: tuple[models.Gateway, str]) -> None:
    _problem(_post("/heartbeat", _heartbeat("gw-2"), gateway[1]), 403)
    gateway[0].refresh_from_db()
    assert gateway[0].last_heartbeat_at is None


def _batch(records: list[Any]) -> dict[str, Any]:
    return EvidenceBatch(records=records).model_dump(mode="json")


def test_evidence_is_stored_and_resending_is_idempotent(
        gateway: tuple[models.Gateway, str]) -> None:
    records = make_chain("gw-1", 3)
    first = _post("/evidence", _batch(records), gateway[1])
    assert first.status_code == 200, first.content
    assert json.loads(first.content) == {"accepted": 3, "last_sequence": 3}
    again = _post("/evidence", _batch(records[1:]), gateway[1])
    assert json.loads(again.content) == {"accepted": 2, "last_sequence": 3}
    assert models.EvidenceRecord.objects.filter(gateway="gw-1").count() == 3
    stored = models.EvidenceRecord.objects.get(gateway="gw-1", sequence=2)
    assert stored.hash == records[1].hash
    assert stored.request_id == "req-2"


def test_a_different_hash_for_a_stored_sequence_is_409(
        gateway: tuple[models.Gateway, str]) -> None:
    _post("/evidence", _batch(make_chain("gw-1", 2)), gateway[1])
    forged = make_chain("gw-1", 3)
    forged[1] = forged[1].model_copy(update={"status": 500, "hash": "f" * 64})
    _problem(_post("/evidence", _batch(forged), gateway[1]), 409)
    assert models.EvidenceRecord.objects.filter(gateway="gw-1").count() == 2  # no partial


def test_evidence_of_another_gateway_is_403(gateway: tuple[models.Gateway, str]) -> None:
    _problem(_post("/evidence", _batch(make_chain("gw-2", 1)), gateway[1]), 403)
    assert not models.EvidenceRecord.objects.exists()


@pytest.mark.parametrize("path", ["/heartbeat", "/evidence"])
def test_bad_bodies_are_problems_naming_the_field(gateway: tuple[models.Gateway, str],
                                                  path: str) -> None:
    client = HttpClient()
    malformed = client.post(f"{API}{path}", data="{not json", content_type="application/json",
                            **_auth(gateway[1]))
    assert _problem(malformed, 400)["type"].endswith("/problems/malformed-request")
    unknown = client.post(f"{API}{path}", data=json.dumps({"tên_lạ": 1}),
                          content_type="application/json", **_auth(gateway[1]))
    assert "tên_lạ" in {e["field"] for e in _problem(unknown, 422)["errors"]}
