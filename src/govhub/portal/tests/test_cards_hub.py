"""End to end: the home screen's cards fetched through a real gateway process
(``python -m govhub_gateway run``) from the sandbox providers, with the registry, agreements
and keys the demo seeds (``seed_demo`` + ``seed_hub_demo``). One gateway start for the whole
story: fresh cards, the identification the providers see, a provider failing and the last
prices shown with "data as of", and the land-parcel mini-app's own key."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from govhub.integration import demo
from govhub.integration.tests.gateway_process import Gateway, call, free_port, start_gateway
from govhub.portal.models import CardKind, HubCard
from govhub_sandbox import agriculture, land, tourism, weather
from govhub_sandbox.agriculture.prices import PriceBook
from govhub_sandbox.serving import RunningApp, start_in_thread

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PORTAL = "000.00.00.H12/chinhquyenso"
MINIAPP = "000.00.03.H12/tracuuthuadat"


@dataclass
class DemoHub:
    gateway: Gateway
    providers: dict[str, RunningApp]
    keys: dict[str, str]


@pytest.fixture
def demo_hub(live_server: Any, tmp_path: Path, settings: Any) -> Iterator[DemoHub]:
    providers = {"agriculture": start_in_thread(agriculture.create_app(), name="prices"),
                 "weather": start_in_thread(weather.create_app(), name="weather"),
                 "tourism": start_in_thread(tourism.create_app(), name="tourism"),
                 "land": start_in_thread(land.create_app(), name="land")}
    try:
        call_command("seed_demo", stdout=io.StringIO())
        admin_port = free_port()
        call_command("seed_hub_demo", gateway_admin_url=f"http://127.0.0.1:{admin_port}",
                     stdout=io.StringIO(),
                     **{f"{name}_url": app.url for name, app in providers.items()})
        keys = json.loads(demo.secrets_file().read_text())
        token_file = tmp_path / "gateway-token"
        token_file.write_text(keys["gateway"])
        gateway = start_gateway(code=demo.GATEWAY_CODE, token_file=token_file,
                                data_dir=tmp_path / "gateway", control_url=live_server.url,
                                admin_port=admin_port)
    except BaseException:
        for app in providers.values():
            app.stop()
        raise
    settings.GOVHUB_HUB = {"GATEWAY_URL": gateway.url, "CLIENT": PORTAL,
                           "API_KEY": keys["portal"]}
    cache.clear()
    yield DemoHub(gateway, providers, keys)
    gateway.stop()
    for app in providers.values():
        app.stop()


def home(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def data_as_of(when: Any) -> str:
    with translation.override("vi"):
        return gettext("Data as of %(when)s") % {
            "when": timezone.localtime(when).strftime("%H:%M %d/%m/%Y")}


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")  # Vietnamese digit grouping


def test_cards_come_through_the_hub_and_fall_back_to_the_last_prices_labelled(
        demo_hub: DemoHub, client: Client) -> None:
    assert "hub-cards" not in home(client)  # nothing stored yet; this visit starts the refresh
    page = home(client)
    shrimp = PriceBook().latest("TOM_SU_20", "CHO_CA_MAU")[0].vnd_per_kg
    assert "Tôm sú loại 20 con/kg" in page
    assert vnd(shrimp) in page
    assert "Triều cường" in page  # a disaster warning in force, from the weather station
    assert "Đêm Đờn ca tài tử Nam Bộ" in page  # this week's event
    assert 'class="as-of"' not in page  # fresh: no "data as of"

    # The providers saw the citizen app, a fresh request id, and no person.
    seen = call(f"{demo_hub.providers['agriculture'].url}/_requests").json()["requests"][0]
    assert seen["headers"]["X-Road-Client"] == PORTAL
    assert seen["headers"]["X-Road-UserId"] == "anonymous"
    assert seen["headers"]["X-Road-Issue"] == "CARDS"
    assert uuid.UUID(seen["headers"]["X-Road-Id"]).version == 4

    # The price service fails; the card is past its window, so the next visit refreshes it.
    faulted = call(f"{demo_hub.providers['agriculture'].url}/_faults",
                   data=json.dumps({"*": {"fail": True, "status": 503}}).encode(),
                   headers={"Content-Type": "application/json"})
    assert faulted.status == 200
    fetched = timezone.now() - timedelta(minutes=11)
    HubCard.objects.filter(kind=CardKind.PRICES).update(fetched_at=fetched)
    cache.clear()
    home(client)
    card = HubCard.objects.get(kind=CardKind.PRICES)
    assert card.last_refresh_failed
    assert card.failure.startswith("503")
    page = home(client)
    assert vnd(shrimp) in page  # the last good prices, still shown …
    assert data_as_of(fetched) in page  # … labelled with when they were fetched
    assert page.count('class="as-of"') == 1  # weather and events are still fresh


def test_the_demo_keys_open_what_their_agreements_grant_and_nothing_more(
        demo_hub: DemoHub) -> None:
    def get(path: str, client: str, key: str) -> int:
        return call(f"{demo_hub.gateway.url}{path}", headers={
            "X-Api-Key": key, "X-Road-Client": client, "X-Road-Id": str(uuid.uuid4()),
            "X-Road-UserId": "congdan.demo", "X-Road-Issue": "LAND"}).status

    parcels = "/r1/000.00.03.H12/datdai/thuadat/parcels?commune_code=32002"
    assert get(parcels, MINIAPP, demo_hub.keys["miniapp"]) == 200
    assert demo_hub.keys[MINIAPP] == demo_hub.keys["miniapp"]
    assert get(parcels, PORTAL, demo_hub.keys["portal"]) == 403  # cards read reference data
    # A second seed finds what the first made: the same keys still work.
    call_command("seed_hub_demo", stdout=io.StringIO(),
                 gateway_admin_url="http://127.0.0.1:9",
                 **{f"{name}_url": app.url for name, app in demo_hub.providers.items()})
    assert json.loads(demo.secrets_file().read_text())["portal"] == demo_hub.keys["portal"]
