"""The home screen's cards fed through the integration hub: farm market prices,
weather with the disaster warnings in force, and festivals and events.

The citizen app is a consumer system of the hub like any other: it calls the gateway with its
API key and the X-Road identification (exchange contract §1), never the providers directly.
The home page never waits on the hub: it shows the last good answer kept in ``HubCard``, and
a background task (``portal.tasks``) refreshes a card once it is older than
``FRESH_SECONDS``. What is shown older than that, or after a failed refresh, carries "data as
of" (exchange contract §6: reference data may be served stale, labelled). Cards hold
reference data only, the same for every visitor, so the calls name no person
(``X-Road-UserId: anonymous``) and nothing personal is ever stored (Law 91/2025).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import formats, timezone

from govhub.kernel import outbound_http
from govhub.portal.models import CardKind, HubCard

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0  # per call: a slow hub must not hold a worker for long
FRESH_SECONDS = 600  # older than this, a card is refreshed and labelled "data as of"
USER_ID = "anonymous"  # cards are the same for everyone: no end user to name
ISSUE = "CARDS"  # X-Road-Issue: a code, not prose (govhub_gateway.policy.identification)
# The services the demo registry (integration.demo) publishes, as member/system/service.
PRICES_SERVICE = "000.00.03.H12/nongnghiep/gianongsan"
WEATHER_SERVICE = "000.00.03.H12/kttv/thoitiet"
EVENTS_SERVICE = "000.00.06.H12/dulich/sukien"
PRICES_MARKET = "CHO_CA_MAU"  # the provincial market: the prices most people quote
WEATHER_COMMUNE = "32002"  # Phường An Xuyên, the provincial centre
EVENTS_DAYS = 30
EVENTS_SHOWN = 5


class HubCallError(Exception):
    """The hub (or the provider behind it) did not give a usable answer."""


@dataclass(frozen=True)
class HubAccess:
    gateway_url: str
    client: str
    api_key: str


def hub_access() -> HubAccess | None:
    """The configured access (settings.GOVHUB_HUB), or None: cards are off."""
    config: dict[str, Any] | None = getattr(settings, "GOVHUB_HUB", None)
    if not config or not config.get("GATEWAY_URL") or not config.get("API_KEY"):
        return None
    return HubAccess(str(config["GATEWAY_URL"]).rstrip("/"), str(config["CLIENT"]),
                     str(config["API_KEY"]))


def identification(access: HubAccess) -> dict[str, str]:
    return {"X-Api-Key": access.api_key, "X-Road-Client": access.client,
            "X-Road-Id": str(uuid.uuid4()), "X-Road-UserId": USER_ID, "X-Road-Issue": ISSUE,
            "Accept": "application/json"}


def _reason(status: int, body: bytes) -> str:
    try:  # RFC 9457: the gateway's problem names the fault and its origin
        problem = json.loads(body)
        return f"{status} {problem.get('fault_origin') or ''} {problem.get('title') or ''}"
    except (ValueError, AttributeError):
        return f"{status}"


def call_hub(access: HubAccess, service: str, path: str, **query: str) -> Any:
    """GET ``{gateway}/r1/{member}/{system}/{service}{path}``; the JSON answer."""
    url = f"{access.gateway_url}/r1/{service}{path}"
    if query:
        url += "?" + urlencode(query)
    if not url.startswith(("http://", "https://")):  # never file: or other schemes
        raise HubCallError("the gateway URL must be http(s)")
    try:
        # A GET: a provider's 502-504 or a lost connection is tried again with back-off
        # (kernel.outbound_http), each attempt bounded by TIMEOUT_SECONDS.
        with outbound_http.session(connect_timeout_seconds=TIMEOUT_SECONDS,
                                   read_timeout_seconds=TIMEOUT_SECONDS) as http:
            response = http.get(url, headers=identification(access))
        if response.status_code >= 400:
            raise HubCallError(_reason(response.status_code, response.content)[:200])
        return response.json()
    except (outbound_http.OutboundHttpError, ValueError) as error:
        raise HubCallError(str(error)[:200]) from error


# --- what each card keeps of the answers (only what it shows) -----------------------------

def _prices(access: HubAccess) -> dict[str, Any]:
    answer = call_hub(access, PRICES_SERVICE, "/prices/latest", market=PRICES_MARKET)
    rows = answer["prices"]
    return {"data_as_of": answer["data_as_of"],
            "market": rows[0]["market"]["name"] if rows else "",
            "source": rows[0]["source"] if rows else "",
            "prices": [{"name": p["commodity"]["name"], "vnd_per_kg": int(p["price_vnd_per_kg"])}
                       for p in rows]}


def _weather(access: HubAccess) -> dict[str, Any]:
    forecast = call_hub(access, WEATHER_SERVICE, "/forecast", commune_code=WEATHER_COMMUNE)
    alerts = call_hub(access, WEATHER_SERVICE, "/alerts")["alerts"]
    return {"commune": forecast["commune"]["name"], "issued_at": forecast["issued_at"],
            "source": forecast["source"],
            "days": [{"date": d["date"], "description": d["description"],
                      "min_c": d["temperature_c"]["min"], "max_c": d["temperature_c"]["max"],
                      "rain_percent": d["rain"]["probability_percent"]}
                     for d in forecast["days"]],
            "alerts": [{"kind_name": a["kind_name"], "title": a["title"],
                        "description": a["description"], "risk_level": a["risk_level"],
                        "areas": [area["name"] for area in a["areas"]],
                        "valid_until": a["valid_until"]} for a in alerts]}


def _events(access: HubAccess) -> dict[str, Any]:
    today = timezone.localdate()
    answer = call_hub(access, EVENTS_SERVICE, "/events", **{
        "from": today.isoformat(), "to": (today + timedelta(days=EVENTS_DAYS)).isoformat()})
    return {"source": answer["source"],
            "events": [{"name": e["name"], "starts_on": e["starts_on"], "ends_on": e["ends_on"],
                        "starts_at": e["starts_at"], "location": e["location"]}
                       for e in answer["events"][:EVENTS_SHOWN]]}


FETCHERS: dict[str, Callable[[HubAccess], dict[str, Any]]] = {
    CardKind.PRICES: _prices, CardKind.WEATHER: _weather, CardKind.EVENTS: _events}


def refresh_card(kind: str) -> bool:
    """Fetch one card through the hub and keep the answer, or note the failure and keep the
    last good answer. True when the card is fresh now."""
    access = hub_access()
    if access is None:
        return False
    try:
        payload = FETCHERS[kind](access)
    except (HubCallError, KeyError, TypeError, IndexError, ValueError) as error:
        reason = str(error) if isinstance(error, HubCallError) else "unexpected answer"
        logger.info("hub card %s not refreshed: %s", kind, reason)
        record_card_failure(kind=kind, reason=reason)
        return False
    record_card_answer(kind=kind, payload=payload)
    return True


def record_card_answer(*, kind: str, payload: dict[str, Any]) -> HubCard:
    card, _ = HubCard.objects.update_or_create(kind=kind, defaults={
        "payload": payload, "fetched_at": timezone.now(), "failure": ""})
    return card


def record_card_failure(*, kind: str, reason: str) -> HubCard:
    card, _ = HubCard.objects.update_or_create(kind=kind, defaults={
        "failed_at": timezone.now(), "failure": reason[:200]})
    return card


# --- what the home page shows ----------------------------------------------------------

@dataclass(frozen=True)
class ShownCard:
    kind: str
    data: dict[str, Any]
    fetched_at: datetime
    is_stale: bool  # older than the window or the last refresh failed: show "data as of"

    @property
    def as_of(self) -> datetime:
        return timezone.localtime(self.fetched_at)


@dataclass(frozen=True)
class HomeCards:
    cards: dict[str, ShownCard]
    due: list[str]  # kinds to refresh in the background


def _dates(data: dict[str, Any], kind: str) -> dict[str, Any]:
    """ISO strings of the stored answer → date/datetime for the template's filters."""
    data = json.loads(json.dumps(data))  # a copy: the stored answer stays as it was
    if kind == CardKind.PRICES:
        if data.get("data_as_of"):
            data["data_as_of"] = datetime.fromisoformat(data["data_as_of"])
        # Grouped by thousands whatever NUMBER_GROUPING says: "285.000" in Vietnamese.
        separator = str(formats.get_format("THOUSAND_SEPARATOR"))
        for price in data["prices"]:
            price["vnd_text"] = f"{price['vnd_per_kg']:,}".replace(",", separator)
    if kind == CardKind.WEATHER:
        for day in data["days"]:
            day["date"] = date.fromisoformat(day["date"])
        for alert in data["alerts"]:
            alert["valid_until"] = datetime.fromisoformat(alert["valid_until"])
    if kind == CardKind.EVENTS:
        for event in data["events"]:
            event["starts_on"] = date.fromisoformat(event["starts_on"])
            event["ends_on"] = date.fromisoformat(event["ends_on"])
    return data


def home_cards() -> HomeCards:
    """What the home page shows now (read from the database only), and which cards are due
    for a refresh. No hub configured: no cards at all."""
    if hub_access() is None:
        return HomeCards({}, [])
    now = timezone.now()
    window = timedelta(seconds=FRESH_SECONDS)
    stored = {card.kind: card for card in HubCard.objects.all()}
    shown: dict[str, ShownCard] = {}
    due: list[str] = []
    for kind in CardKind.values:
        card = stored.get(kind)
        if card is None or card.fetched_at is None or now - card.fetched_at > window:
            due.append(kind)
        if card is None or card.fetched_at is None:
            continue  # never fetched: nothing to show yet
        old = now - card.fetched_at > window
        shown[kind] = ShownCard(kind, _dates(card.payload, kind), card.fetched_at,
                                old or card.last_refresh_failed)
    return HomeCards(shown, due)
