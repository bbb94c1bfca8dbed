"""Who sees which catalog entry: audience, commune, status — decided in
queries, so every page and the admin agree."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govhub.identity.people import roles
from govhub.portal import queries
from govhub.portal.models import Audience, Status

pytestmark = pytest.mark.django_db


def codes(actor: Any) -> set[str]:
    return set(queries.visible_mini_apps(actor).values_list("code", flat=True))


@pytest.fixture
def catalog(tree: Any, make_app: Any) -> None:
    make_app("everyone")
    make_app("citizens-only", audience=Audience.CITIZENS)
    make_app("officials-only", audience=Audience.OFFICIALS)
    make_app("handlers-only", audience=Audience.ROLES, role_codes=roles.REPORT_HANDLER)
    make_app("only-b", communes=[tree.commune_b])
    make_app("only-a", communes=[tree.commune_a])
    make_app("hidden", status=Status.HIDDEN)
    make_app("resting", status=Status.MAINTENANCE, maintenance_notice="Bảo trì đến 17:00.")


def test_citizen_of_commune_a_never_sees_commune_b_entry(catalog: Any, tree: Any,
                                                         make_citizen: Any) -> None:
    citizen = make_citizen(tree.commune_a)
    assert codes(citizen) == {"everyone", "citizens-only", "only-a", "resting"}
    assert queries.visible_mini_app(citizen, "only-b") is None


def test_citizen_of_commune_b_sees_its_entry_not_a(catalog: Any, tree: Any,
                                                   make_citizen: Any) -> None:
    assert codes(make_citizen(tree.commune_b)) == {"everyone", "citizens-only", "only-b",
                                                   "resting"}


def test_visitor_not_signed_in_sees_public_province_wide_entries(catalog: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert codes(AnonymousUser()) == {"everyone", "citizens-only", "resting"}


def test_officials_see_their_audience_and_role_entries(catalog: Any, tree: Any,
                                                       make_official: Any) -> None:
    plain = make_official(tree.department)
    handler = make_official(tree.commune_a, roles.REPORT_HANDLER)
    assert codes(plain) == {"everyone", "officials-only", "resting"}
    # An official of commune A sees commune A's entries, and the role's entry.
    assert codes(handler) == {"everyone", "officials-only", "handlers-only", "only-a",
                              "resting"}


def test_hidden_entry_is_never_shown_even_by_code(catalog: Any, client: Client) -> None:
    assert client.get("/apps/hidden/").status_code == 404
    assert "hidden.example.vn" not in client.get("/").content.decode()


def test_commune_b_entry_page_is_not_found_for_commune_a(catalog: Any, tree: Any,
                                                         make_citizen: Any,
                                                         client: Client) -> None:
    client.force_login(make_citizen(tree.commune_a))
    assert client.get("/apps/only-b/").status_code == 404
    page = client.get("/").content.decode()
    assert 'data-code="only-a"' in page
    assert 'data-code="only-b"' not in page


def test_maintenance_entry_shows_notice_and_no_way_to_open(catalog: Any,
                                                           client: Client) -> None:
    page = client.get("/apps/resting/").content.decode()
    assert "Bảo trì đến 17:00." in page
    assert "resting.example.vn" not in page
    assert "data-open" not in page


def test_active_entry_opens_at_its_address(catalog: Any, client: Client) -> None:
    page = client.get("/apps/everyone/").content.decode()
    assert 'data-open href="https://everyone.example.vn/"' in page


def test_search_works_without_javascript(catalog: Any, client: Client) -> None:
    page = client.get("/", {"q": "citizens"}).content.decode()
    assert 'data-code="citizens-only"' in page
    assert 'data-code="everyone"' not in page
    empty = client.get("/", {"q": "không-có-gì"}).content.decode()
    assert 'data-code="' not in empty.split("data-catalog")[1]


def test_english_pages_show_english_names(catalog: Any, client: Client, make_app: Any) -> None:
    make_app("song-ngu", name_vi="Du lịch Cà Mau", name_en="Cà Mau tourism")
    page = client.get("/en/apps/song-ngu/").content.decode()
    assert '<html lang="en">' in page
    assert "Cà Mau tourism" in page
    assert "Du lịch Cà Mau" in client.get("/apps/song-ngu/").content.decode()


def test_native_app_opens_by_deep_link_with_store_fallback(db: Any, make_app: Any,
                                                           client: Client) -> None:
    make_app("vi-dien-tu", kind="native", url="vnptmoney://", android_package="com.vnpt.pay",
             app_store_url="https://apps.apple.com/vn/app/id1")
    android = client.get("/apps/vi-dien-tu/", HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14)")
    page = android.content.decode()
    # Chrome opens the app, or the Play store when it is not installed.
    assert "intent://#Intent;scheme=vnptmoney;package=com.vnpt.pay;" in page
    assert "S.browser_fallback_url=https%3A%2F%2Fplay.google.com" in page
    iphone = client.get("/apps/vi-dien-tu/", HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
    page = iphone.content.decode()
    assert 'data-open href="vnptmoney://"' in page
    assert 'href="https://apps.apple.com/vn/app/id1"' in page


def test_entry_needing_sign_in_sends_visitor_to_sign_in_first(tree: Any, make_app: Any,
                                                              make_citizen: Any,
                                                              client: Client) -> None:
    make_app("thua-dat", kind="web", url="http://127.0.0.1:8070/", login_level=1)
    page = client.get("/apps/thua-dat/").content.decode()
    assert 'data-open href="/login/?next=%2Fapps%2Fthua-dat%2F"' in page
    assert "127.0.0.1:8070" not in page
    # Signed in, the button goes straight to the mini-app; single sign-on does the rest.
    client.force_login(make_citizen(tree.commune_a))
    page = client.get("/apps/thua-dat/").content.decode()
    assert 'data-open href="http://127.0.0.1:8070/"' in page
