"""The catalog in the admin: managed by the owning unit's administrators,
written through services (audited), adoption aggregates scoped to the reader's communes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from govhub.identity.people import roles
from govhub.kernel.models import AuditEntry
from govhub.portal.models import AdoptionDaily, MiniApp

pytestmark = pytest.mark.django_db


def form(**changes: Any) -> dict[str, Any]:
    data = {"code": "bao-cao", "name_vi": "Báo cáo", "name_en": "Reports",
            "category": "public_services", "audience": "citizens", "kind": "external",
            "url": "https://baocao.example.vn/", "login_level": "0", "status": "active",
            "order": "5", "description_vi": "", "description_en": "", "icon": "",
            "role_codes": "", "android_package": "", "app_store_url": "", "scopes": "",
            "support_contact": "", "maintenance_notice": ""}
    return {**data, **changes}


def test_admin_adds_entry_through_the_service(tree: Any, make_official: Any,
                                              client: Client) -> None:
    client.force_login(make_official(tree.department, roles.AGENCY_ADMIN))
    response = client.post("/admin/portal/miniapp/add/", form(
        owner=str(tree.department.pk), communes=[str(tree.commune_b.pk)]))
    assert response.status_code == 302, response.content.decode()[:2000]
    item = MiniApp.objects.get(code="bao-cao")
    assert list(item.communes.all()) == [tree.commune_b]
    entry = AuditEntry.objects.get(target_id=str(item.pk))
    assert entry.after["communes"] == [str(tree.commune_b.pk)]  # type: ignore[index]


def test_maintenance_needs_a_notice(tree: Any, make_official: Any, client: Client) -> None:
    client.force_login(make_official(tree.committee, roles.PLATFORM_ADMIN))
    response = client.post("/admin/portal/miniapp/add/", form(status="maintenance"))
    assert response.status_code == 200
    assert not MiniApp.objects.exists()


def test_unit_administrator_manages_only_its_own_entries(tree: Any, make_official: Any,
                                                         make_app: Any,
                                                         client: Client) -> None:
    ours = make_app("cua-so", owner=tree.department)
    theirs = make_app("cua-tinh", owner=tree.committee)
    client.force_login(make_official(tree.department, roles.AGENCY_ADMIN))
    listing = client.get("/admin/portal/miniapp/").content.decode()
    assert "cua-so" in listing
    assert "cua-tinh" not in listing
    assert client.get(f"/admin/portal/miniapp/{theirs.pk}/change/").status_code == 302
    response = client.post(f"/admin/portal/miniapp/{ours.pk}/change/", form(
        code="cua-so", owner=str(tree.department.pk), status="maintenance",
        maintenance_notice="Tạm dừng để nâng cấp."))
    assert response.status_code == 302
    ours.refresh_from_db()
    assert (ours.status, ours.maintenance_notice) == ("maintenance", "Tạm dừng để nâng cấp.")


def test_adoption_view_shows_only_the_readers_communes(tree: Any, make_official: Any,
                                                       client: Client) -> None:
    today = dt.date.today()
    AdoptionDaily.objects.create(commune=tree.commune_a, date=today, installs=7)
    AdoptionDaily.objects.create(commune=tree.commune_b, date=today, installs=3)
    client.force_login(make_official(tree.commune_a, roles.AGENCY_ADMIN))
    page = client.get("/admin/portal/adoptiondaily/").content.decode()
    assert "Phường An Xuyên" in page
    assert "Phường Lý Văn Lâm" not in page
    assert "data-totals" in page
