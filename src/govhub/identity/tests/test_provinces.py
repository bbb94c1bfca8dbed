from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from govhub.identity.models import Agency, AgencyKind
from govhub.kernel.models import AuditEntry

LOCAL = AgencyKind.local_government()


@pytest.mark.django_db
def test_ca_mau_has_its_64_communes_and_wards_with_official_codes(capsys: Any) -> None:
    call_command("import_province", "96")
    province = Agency.objects.get(admin_unit_code="96")
    assert province.name == "Tỉnh Cà Mau"
    communes = Agency.objects.filter(parent=province, kind__in=LOCAL)
    assert communes.count() == 64
    # Spot checks against the official list (Resolution on the 2025 reorganisation).
    assert communes.get(admin_unit_code="32002").name == "Phường An Xuyên"
    assert communes.get(admin_unit_code="32014").kind == AgencyKind.WARD
    assert all(len(c.admin_unit_code or "") == 5 for c in communes)
    assert {c.kind for c in communes} <= {AgencyKind.COMMUNE, AgencyKind.WARD,
                                          AgencyKind.SPECIAL_ZONE}
    assert communes.filter(kind=AgencyKind.COMMUNE).exists()
    assert all(c.path.startswith(province.path) for c in communes)
    assert "64 communes" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_second_import_changes_nothing() -> None:
    call_command("import_province", "96")
    agencies, entries = Agency.objects.count(), AuditEntry.objects.count()
    call_command("import_province", "96")
    assert Agency.objects.count() == agencies
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_a_renamed_commune_is_updated_in_place() -> None:
    call_command("import_province", "96")
    ward = Agency.objects.get(admin_unit_code="32002")
    Agency.objects.filter(pk=ward.pk).update(name="Tên cũ")
    call_command("import_province", "96")
    ward.refresh_from_db()
    assert ward.name == "Phường An Xuyên"
    assert AuditEntry.objects.filter(target_id=str(ward.pk), action="update").exists()


@pytest.mark.django_db
def test_unknown_province_code_is_a_clear_error() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown province code 999"):
        call_command("import_province", "999")
