"""The sandbox market-price service on a real socket: prices by commodity, market and day,
the latest bulletin, the catalogue, reference-data caching headers, errors, and its OpenAPI
document checked by openapi-spec-validator."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import requests
from openapi_spec_validator import validate

from govhub_sandbox.agriculture import PriceBook, create_app
from govhub_sandbox.serving import RunningApp, start_in_thread

TODAY = date(2026, 11, 27)
IDENTIFIED = {"X-Road-Client": "000.00.00.H12/CAMAUG", "X-Road-Id": "a1b2-0001"}


@pytest.fixture(scope="module")
def prices() -> Iterator[RunningApp]:
    app = create_app(price_book=PriceBook(today=lambda: TODAY))
    with start_in_thread(app, name="agriculture-sandbox-test") as running:
        yield running


def get(service: RunningApp, path: str, headers: dict[str, str] | None = None,
        **params: str) -> requests.Response:
    return requests.get(f"{service.url}{path}", params=params, timeout=5,
                        headers=IDENTIFIED if headers is None else headers)


def test_latest_prices_are_this_mornings_bulletin(prices: RunningApp) -> None:
    response = get(prices, "/prices/latest", commodity="TOM_SU_20")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3  # sold at three markets
    assert {p["market"]["name"] for p in body["prices"]} == {
        "Chợ Cà Mau", "Vựa thủy sản Năm Căn", "Chợ Đầm Dơi"}
    for price in body["prices"]:
        assert price["commodity"] == {"code": "TOM_SU_20", "name": "Tôm sú loại 20 con/kg"}
        assert price["date"] == "2026-11-27"
        assert price["unit"] == "VND/kg"
        # Within ±4 % of 285 000 đồng, quoted to the 500 đồng.
        assert 273_000 <= price["price_vnd_per_kg"] <= 297_000
        assert price["price_vnd_per_kg"] % 500 == 0
        assert datetime.fromisoformat(price["as_of"]).utcoffset() == timedelta(hours=7)
    assert body["data_as_of"] == "2026-11-27T07:30:00+07:00"


def test_prices_are_reference_data_and_say_so(prices: RunningApp) -> None:
    response = get(prices, "/prices/latest")
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert modified == datetime.fromisoformat("2026-11-27T07:30:00+07:00")


def test_history_by_day_market_and_commodity(prices: RunningApp) -> None:
    history = get(prices, "/prices", commodity="LUA_ST25", market="CHO_TRAN_VAN_THOI").json()
    assert history["count"] == 14  # two weeks, newest first
    assert history["prices"][0]["date"] == "2026-11-27"
    assert history["prices"][-1]["date"] == "2026-11-14"
    assert all(8_200 <= p["price_vnd_per_kg"] <= 9_000 for p in history["prices"])
    one_day = get(prices, "/prices", date="2026-11-20", market="CHO_TRAN_VAN_THOI").json()
    assert {p["commodity"]["code"] for p in one_day["prices"]} == {
        "LUA_ST25", "LUA_OM5451", "GAO_ST25"}
    assert {p["date"] for p in one_day["prices"]} == {"2026-11-20"}
    # The same question gets the same answer: the bulletin does not change once published.
    again = get(prices, "/prices", date="2026-11-20", market="CHO_TRAN_VAN_THOI").json()
    assert again == one_day


def test_a_day_outside_the_history_has_no_prices(prices: RunningApp) -> None:
    body = get(prices, "/prices", date="2026-12-25").json()
    assert (body["count"], body["prices"], body["data_as_of"]) == (0, [], None)


def test_the_catalogue_lists_shrimp_crab_and_rice_with_their_markets(
        prices: RunningApp) -> None:
    commodities = {c["code"]: c for c in get(prices, "/commodities").json()["commodities"]}
    assert commodities["TOM_THE_100"]["name"] == "Tôm thẻ chân trắng loại 100 con/kg"
    assert commodities["CUA_GACH_1"]["name"] == "Cua gạch Cà Mau loại 1"
    assert [m["code"] for m in commodities["LUA_OM5451"]["markets"]] == [
        "CHO_TRAN_VAN_THOI", "CHO_THOI_BINH"]


@pytest.mark.parametrize("params", [
    {"commodity": "TOM_HUM"}, {"market": "CHO_BEN_THANH"}, {"date": "27/11/2026"}])
def test_bad_parameters_are_400_problem_json(prices: RunningApp,
                                             params: dict[str, str]) -> None:
    response = get(prices, "/prices", **params)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_parameter"


def test_calls_without_identification_are_refused_but_the_probe_is_not(
        prices: RunningApp) -> None:
    refused = get(prices, "/prices/latest", {"X-Road-Client": "000.00.00.H12/CAMAUG"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "missing_identification"
    assert get(prices, "/health", {}).json() == {"status": "ok"}


def test_the_openapi_document_is_valid_and_names_the_operations(prices: RunningApp) -> None:
    document = get(prices, "/openapi.json", {}).json()
    validate(document)
    operations = {op["operationId"] for path in document["paths"].values()
                  for op in path.values()}
    assert operations == {"listPrices", "latestPrices", "listCommodities", "health"}


def test_the_real_clock_never_publishes_a_bulletin_from_the_future() -> None:
    # Before 07:30 in Vietnam the latest bulletin is yesterday's.
    with start_in_thread(create_app()) as running:
        body = get(running, "/prices/latest").json()
    assert datetime.fromisoformat(body["data_as_of"]) <= datetime.now(UTC)
    assert datetime.now(UTC) - datetime.fromisoformat(body["data_as_of"]) < timedelta(days=1)
