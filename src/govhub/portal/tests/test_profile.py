"""Profile and notification settings, and the demo catalog seed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from govhub.identity.models import Agency
from govhub.portal import queries
from govhub.portal.catalog_seed import ENTRIES
from govhub.portal.models import MiniApp, NotificationPreference, PushDevice, Status

pytestmark = pytest.mark.django_db


def test_profile_needs_sign_in(client: Client) -> None:
    response = client.get("/app/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_profile_shows_commune_phone_and_level(tree: Any, make_citizen: Any,
                                               client: Client) -> None:
    client.force_login(make_citizen(tree.commune_a, full_name="Trương Thị Dân",
                                    phone="0912345678"))
    page = client.get("/app/profile/").content.decode()
    assert "Trương Thị Dân" in page
    assert "Phường An Xuyên" in page
    assert "0912345678" in page
    assert "data-profile" in page


def test_notification_settings_are_stored(tree: Any, make_citizen: Any,
                                          client: Client) -> None:
    citizen = make_citizen(tree.commune_a)
    client.force_login(citizen)
    response = client.post("/app/profile/", {"channels": ["push", "sms"],
                                              "topics": ["alerts"]})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(account=citizen)
    assert (preference.channels, preference.topics) == (["push", "sms"], ["alerts"])
    page = client.get("/app/profile/").content.decode()
    assert re.search(r'<input[^>]*value="sms"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="email"[^>]*checked', page)
    assert client.post("/app/profile/", {"channels": ["pigeon"]}).status_code == 200


def test_push_on_this_device_is_remembered(tree: Any, make_citizen: Any,
                                           client: Client) -> None:
    citizen = make_citizen(tree.commune_a)
    client.force_login(citizen)
    device = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert client.post("/app/push-device/", {"device_id": device, "is_enabled": "on"}
                       ).status_code == 204
    assert PushDevice.objects.get(account=citizen, device_id=device).is_enabled
    client.post("/app/push-device/", {"device_id": device, "is_enabled": ""})
    assert not PushDevice.objects.get(account=citizen, device_id=device).is_enabled
    assert client.post("/app/push-device/", {"device_id": "../../etc"}).status_code == 400


def test_seed_catalog_is_idempotent_and_keeps_admin_changes(tree: Any) -> None:
    call_command("seed_catalog")
    count = MiniApp.objects.count()
    assert count == len(ENTRIES)
    MiniApp.objects.filter(code="du-lich").update(order=1)
    call_command("seed_catalog")
    assert MiniApp.objects.count() == count
    assert MiniApp.objects.get(code="du-lich").order == 1


def test_seed_has_what_camau_g_integrates(tree: Any, make_citizen: Any) -> None:
    call_command("seed_catalog")
    land = MiniApp.objects.get(code="thua-dat")
    assert (land.kind, land.url) == ("web", "http://127.0.0.1:8070/")
    wallets = MiniApp.objects.filter(category="ewallet")
    assert {w.kind for w in wallets} == {"native"}
    assert all(w.android_package for w in wallets)
    assert MiniApp.objects.filter(status=Status.MAINTENANCE).exclude(maintenance_notice="")
    for name in ("vnEdu", "SMAS", "Edu.One", "VNCare", "Made in CaMau", "Voso", "Postmart"):
        assert MiniApp.objects.filter(name_vi=name).exists(), name
    restricted = MiniApp.objects.get(code="tiem-chung-ly-van-lam")
    assert list(restricted.communes.all()) == [Agency.objects.get(admin_unit_code="32014")]
    a_codes = set(queries.visible_mini_apps(make_citizen(tree.commune_a))
                  .values_list("code", flat=True))
    assert "tiem-chung-ly-van-lam" not in a_codes
    assert "thua-dat" in a_codes
