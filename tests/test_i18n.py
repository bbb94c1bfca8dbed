from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import formats, translation


@pytest.mark.django_db
def test_home_is_vietnamese_by_default(client: Client) -> None:
    page = client.get("/").content.decode()
    assert '<html lang="vi">' in page
    assert "Nền tảng" in page or "Chính quyền số" in page


@pytest.mark.django_db
def test_english_is_available(client: Client) -> None:
    page = client.get("/en/").content.decode()
    assert '<html lang="en">' in page
    assert "Digital government platform" in page


@pytest.mark.django_db
def test_admin_login_is_vietnamese(client: Client) -> None:
    page = client.get("/admin/login/").content.decode()
    assert "Đăng nhập" in page


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_read_day_first(language: str) -> None:
    with translation.override(language):
        assert formats.date_format(dt.date(2026, 3, 17), "SHORT_DATE_FORMAT") == "17/03/2026"
        assert formats.localize_input(dt.date(2026, 3, 17)) == "17/03/2026"


def test_time_zone_is_vietnam(settings: Any) -> None:
    from django.utils import timezone

    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    moment = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    assert timezone.localtime(moment).hour == 7


@pytest.mark.django_db
def test_every_asset_the_home_page_links_is_served(client: Client) -> None:
    import re

    page = client.get("/").content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        if asset.endswith(".css"):
            assert response["Content-Type"].startswith("text/css")
