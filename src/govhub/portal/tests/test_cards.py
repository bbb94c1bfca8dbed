"""The home screen's cards without a gateway: no hub configured means no cards; what is
stored is shown without waiting on the hub; "data as of" appears exactly when the answer is
older than the window or the last refresh failed; a failing hub is tried once per lock, not
on every page view. (The hub itself: test_cards_hub.py.)"""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from govhub.portal import cards
from govhub.portal.models import CardKind, HubCard

pytestmark = pytest.mark.django_db

PRICES = {"data_as_of": "2026-11-27T07:30:00+07:00", "market": "Chợ Cà Mau",
          "source": "Sở Nông nghiệp và Môi trường tỉnh Cà Mau (sandbox)",
          "prices": [{"name": "Cua gạch Cà Mau loại 1", "vnd_per_kg": 515_000}]}
WEATHER = {"commune": "Phường An Xuyên", "issued_at": "2026-11-27T04:30:00+07:00",
           "source": "Đài Khí tượng Thủy văn tỉnh Cà Mau (sandbox)",
           "days": [{"date": "2026-11-27", "description": "Nắng, trời ít mây", "min_c": 24,
                     "max_c": 31, "rain_percent": 10}],
           "alerts": [{"kind_name": "Xâm nhập mặn", "title": "Cảnh báo xâm nhập mặn",
                       "description": "Ranh mặn 4‰ vào sâu 60-70 km.", "risk_level": 1,
                       "areas": ["Xã Thới Bình"], "valid_until": "2026-12-03T04:30:00+07:00"}]}


def dead_gateway() -> str:
    """A loopback port nothing listens on: every call is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def hub_settings(settings: Any) -> Any:
    settings.GOVHUB_HUB = {"GATEWAY_URL": dead_gateway(), "CLIENT": "000.00.00.H12/chinhquyenso",
                           "API_KEY": "ghk_test"}
    cache.clear()
    return settings


def stored(kind: str, payload: dict[str, Any], age: timedelta) -> HubCard:
    card = cards.record_card_answer(kind=kind, payload=payload)
    HubCard.objects.filter(pk=card.pk).update(fetched_at=timezone.now() - age)
    return HubCard.objects.get(pk=card.pk)


def page(client: Client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def as_of_text(card: HubCard) -> str:
    assert card.fetched_at is not None
    with translation.override("vi"):
        return gettext("Data as of %(when)s") % {
            "when": timezone.localtime(card.fetched_at).strftime("%H:%M %d/%m/%Y")}


def test_without_a_hub_the_home_page_has_no_cards(settings: Any, client: Client) -> None:
    settings.GOVHUB_HUB = None
    stored(CardKind.PRICES, PRICES, timedelta(0))  # even with an answer kept from before
    html = page(client)
    assert "hub-cards" not in html
    assert "Cua gạch Cà Mau loại 1" not in html


def test_a_fresh_card_shows_without_a_label_and_without_calling_the_hub(
        hub_settings: Any, client: Client) -> None:
    stored(CardKind.PRICES, PRICES, timedelta(minutes=2))
    html = page(client)
    assert "Cua gạch Cà Mau loại 1" in html
    assert "515.000" in html  # Vietnamese digit grouping
    assert 'class="as-of"' not in html
    # Prices were fresh: no refresh was tried (the dead gateway would have failed it).
    assert HubCard.objects.get(kind=CardKind.PRICES).failed_at is None


def test_disaster_warnings_come_first_under_their_own_heading(hub_settings: Any,
                                                                client: Client) -> None:
    stored(CardKind.WEATHER, WEATHER, timedelta(minutes=1))
    html = page(client)
    assert html.index('id="card-alerts"') < html.index('id="card-weather"')
    assert 'class="alerts"' in html
    assert "Xâm nhập mặn" in html
    assert 'role="alert"' not in html  # not read out on every page load


def test_an_old_card_is_shown_labelled_and_refreshed_once_per_lock(
        hub_settings: Any, client: Client) -> None:
    card = stored(CardKind.PRICES, PRICES, timedelta(minutes=30))
    html = page(client)  # the refresh is tried (and fails: the gateway is down)
    assert "Cua gạch Cà Mau loại 1" in html
    assert as_of_text(card) in html
    failed = HubCard.objects.get(kind=CardKind.PRICES)
    assert failed.last_refresh_failed
    assert failed.payload == PRICES  # the last good answer is kept
    page(client)  # within the lock: the failing hub is not called again
    assert HubCard.objects.get(kind=CardKind.PRICES).failed_at == failed.failed_at
    cache.clear()  # the lock has expired
    page(client)
    again = HubCard.objects.get(kind=CardKind.PRICES).failed_at
    assert again is not None
    assert failed.failed_at is not None
    assert again > failed.failed_at


def test_a_young_card_whose_refresh_failed_is_labelled_too(hub_settings: Any,
                                                           client: Client) -> None:
    card = stored(CardKind.PRICES, PRICES, timedelta(minutes=3))
    cards.record_card_failure(kind=CardKind.PRICES, reason="504 provider-technical")
    assert as_of_text(card) in page(client)


def test_a_search_shows_the_catalog_without_cards(hub_settings: Any, client: Client) -> None:
    stored(CardKind.PRICES, PRICES, timedelta(0))
    assert "hub-cards" not in page(client, "/?q=land")
