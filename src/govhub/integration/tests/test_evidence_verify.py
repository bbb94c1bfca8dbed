"""``govhub evidence verify`` on chains stored in the database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient

from govhub.integration.models import EvidenceCheckpoint, EvidenceRecord, Gateway
from govhub.integration.services.gateways import (
    evidence_contract,
    evidence_row,
    register_gateway,
)
from govhub.integration.tests.chain import make_chain
from govhub.kernel.actors import SYSTEM
from govhub_contracts.evidence_chain import verify_chain
from govhub_contracts.evidence_hash import canonical_datetime
from govhub_contracts.snapshot import GENESIS_HASH as GENESIS

pytestmark = pytest.mark.django_db


def _store(gateway: str, count: int) -> None:
    EvidenceRecord.objects.bulk_create(evidence_row(r) for r in make_chain(gateway, count))


def _verify(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("evidence", "verify", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_intact_chains_exit_zero() -> None:
    _store("gw-1", 5)
    _store("gw-2", 2)
    assert _verify() == (0, "Chuỗi bằng chứng toàn vẹn: 7 bản ghi\n")


def test_an_altered_status_is_named() -> None:
    _store("gw-1", 5)
    EvidenceRecord.objects.filter(gateway="gw-1", sequence=3).update(status=404)
    code, output = _verify()
    assert code == 1
    assert output.splitlines() == [
        "Gateway gw-1, số thứ tự 3, request id req-3: altered: the record does not match "
        "its hash"]


def test_a_deleted_row_is_named_as_a_gap() -> None:
    _store("gw-1", 5)
    EvidenceRecord.objects.filter(gateway="gw-1", sequence=2).delete()
    code, output = _verify()
    assert code == 1
    assert output.startswith("Gateway gw-1, số thứ tự 3, request id req-3: missing record 2\n")


def test_gateway_option_limits_the_check() -> None:
    _store("gw-1", 2)
    _store("gw-2", 3)
    EvidenceRecord.objects.filter(gateway="gw-2", sequence=1).update(client="khac/khac")
    assert _verify("--gateway", "gw-1") == (0, "Chuỗi bằng chứng toàn vẹn: 2 bản ghi\n")
    assert _verify("--gateway", "gw-2")[0] == 1


# --- Anchors outside the table (ADR 0016) ------------------------------------------------

GATEWAY = "gw-anchor"


def _post(path: str, body: Any, token: str) -> Any:
    return HttpClient().post(f"/api/integration/gateway{path}", data=json.dumps(body),
                             content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}")


def _heartbeat(token: str, shipped: EvidenceRecord | None, *, with_heads: bool = True) -> None:
    body: dict[str, Any] = {"gateway": GATEWAY, "software_version": "0.1.0",
                            "started_at": datetime.now(UTC).isoformat()}
    if with_heads:
        sequence, record_hash = (shipped.sequence, shipped.hash) if shipped else (0, GENESIS)
        body["evidence_head"] = {"sequence": sequence + 2, "hash": "cd" * 32}  # 2 unshipped
        body["evidence_shipped"] = {"sequence": sequence, "hash": record_hash}
    response = _post("/heartbeat", body, token)
    assert response.status_code == 204, response.content


@pytest.fixture
def anchored() -> list[Any]:
    """A gateway that shipped 30 records: checkpoints of records 10 (written because of a
    heartbeat) and 30 (by the command), and its last heartbeat naming record 30."""
    _gateway, token = register_gateway(actor=SYSTEM, code=GATEWAY, name="Gateway")
    chain = make_chain(GATEWAY, 30)
    for part in (chain[:10], chain[10:]):
        response = _post("/evidence", {"records": [r.model_dump(mode="json") for r in part]},
                         token)
        assert response.status_code == 200, response.content
        _heartbeat(token, EvidenceRecord.objects.get(gateway=GATEWAY,
                                                     sequence=part[-1].sequence))
        # The first heartbeat found no checkpoint and wrote one; the second comes within
        # CHECKPOINT_INTERVAL_SECONDS of it, so it writes none.
        assert list(EvidenceCheckpoint.objects.values_list("sequence", flat=True)) == [10]
    call_command("evidence", "checkpoint", stdout=StringIO())
    assert list(EvidenceCheckpoint.objects.values_list("sequence", flat=True)) == [10, 30]
    return [token, chain]


def _rewrite_from(sequence: int) -> None:
    """What someone with write access to the table would do to hide a change: alter record
    ``sequence`` and recompute its hash and every hash after it, so the chain is valid."""
    rows = EvidenceRecord.objects.filter(gateway=GATEWAY).order_by("sequence")
    previous = rows.get(sequence=sequence - 1).hash
    for row in rows.filter(sequence__gte=sequence):
        record = evidence_contract(row).model_copy(update={"previous_hash": previous})
        if row.sequence == sequence:
            record = record.model_copy(update={"status": 403})
        record = record.model_copy(update={"hash": record.compute_hash()})
        EvidenceRecord.objects.filter(pk=row.pk).update(
            status=record.status, previous_hash=record.previous_hash, hash=record.hash)
        previous = record.hash


def test_an_anchored_untouched_chain_passes(anchored: list[Any]) -> None:
    assert _verify() == (0, "Chuỗi bằng chứng toàn vẹn: 30 bản ghi\n")


@pytest.mark.parametrize(("kept", "missing"), [
    (29, "missing record 30 at the end of the log"),
    (20, "missing records 21–30 at the end of the log"),  # noqa: RUF001
    (0, "missing records 1–30 at the end of the log"),  # noqa: RUF001
], ids=["newest", "newest-ten", "all"])
def test_a_removed_tail_is_named(anchored: list[Any], kept: int, missing: str) -> None:
    EvidenceRecord.objects.filter(gateway=GATEWAY, sequence__gt=kept).delete()
    code, output = _verify()
    assert code == 1
    assert output.splitlines() == [
        f"Gateway {GATEWAY}, số thứ tự {kept + 1}: {missing}: the gateway's heartbeat of "
        f"{_reported_at()} UTC names record 30"]


def test_a_rewritten_record_with_recomputed_hashes_is_named(anchored: list[Any]) -> None:
    _rewrite_from(15)
    # The chain alone is valid again: only the anchors can tell.
    rows = EvidenceRecord.objects.filter(gateway=GATEWAY)
    assert verify_chain([evidence_contract(row) for row in rows]) == []
    code, output = _verify()
    assert code == 1
    lines = output.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"Gateway {GATEWAY}, số thứ tự 30: altered: record 30 does "
                               "not match the ") for line in lines)
    assert all(line.endswith("a record among 11–30 was changed and the hashes after it "  # noqa: RUF001
                             "recomputed") for line in lines)
    assert {"heartbeat" in line for line in lines} == {True, False}  # and the checkpoint


def test_a_checkpoint_changed_to_match_a_rewrite_has_no_valid_signature(
        anchored: list[Any]) -> None:
    _rewrite_from(15)
    forged = EvidenceRecord.objects.get(gateway=GATEWAY, sequence=30).hash
    EvidenceCheckpoint.objects.filter(sequence=30).update(hash=forged)
    Gateway.objects.filter(code=GATEWAY).update(evidence_shipped_hash=forged)
    code, output = _verify()
    assert code == 1
    assert output.splitlines() == [
        f"Gateway {GATEWAY}, số thứ tự 30: the checkpoint of {_signed_at(30)} UTC has no "
        "valid signature"]
    # … and at the gateway's next heartbeat its own head names the rewrite again.
    _heartbeat(anchored[0], anchored[1][-1])
    assert "altered: record 30 does not match the gateway's heartbeat" in _verify()[1]


def test_a_heartbeat_without_heads_keeps_the_last_ones(anchored: list[Any]) -> None:
    _heartbeat(anchored[0], None, with_heads=False)
    EvidenceRecord.objects.filter(gateway=GATEWAY, sequence=30).delete()
    assert _verify()[0] == 1


def test_the_checkpoints_public_key_verifies_them_outside_govhub(anchored: list[Any]) -> None:
    """An auditor with the PEM and an exported checkpoint checks it with the cryptography
    package alone: the signature covers exactly the documented bytes."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    out = StringIO()
    call_command("evidence", "public-key", stdout=out)
    key = load_pem_public_key(out.getvalue().encode())
    checkpoint = EvidenceCheckpoint.objects.get(sequence=30)
    payload = json.dumps({"gateway": GATEWAY, "hash": anchored[1][-1].hash, "sequence": 30,
                          "signed_at": canonical_datetime(checkpoint.signed_at)},
                         sort_keys=True, separators=(",", ":"))
    signature = base64.urlsafe_b64decode(checkpoint.signature + "==")
    key.verify(signature, b"govhub evidence checkpoint v1\n" + payload.encode())  # type: ignore[union-attr]


def _reported_at() -> str:
    at = Gateway.objects.get(code=GATEWAY).evidence_reported_at
    assert at is not None
    return f"{at:%Y-%m-%d %H:%M:%S}"


def _signed_at(sequence: int) -> str:
    return f"{EvidenceCheckpoint.objects.get(sequence=sequence).signed_at:%Y-%m-%d %H:%M:%S}"
