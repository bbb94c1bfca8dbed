"""``govhub evidence verify`` on chains stored in the database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from govhub.integration.models import EvidenceRecord
from govhub.integration.services.gateways import evidence_row
from govhub.integration.tests.chain import make_chain

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
