"""The aiohttp application of the sandbox market-price service ("Giá nông sản" of the
provincial agriculture database). Routes are named after their OpenAPI operationId, which is
also the fault endpoint name."""

from datetime import UTC, date
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from govhub_sandbox import upstream_kit
from govhub_sandbox.agriculture.openapi import openapi_document
from govhub_sandbox.agriculture.prices import COMMODITIES, MARKETS, SOURCE, Price, PriceBook
from govhub_sandbox.upstream_kit import (
    UpstreamFault,
    json_response,
    problem,
)

OPERATIONS = ("listPrices", "latestPrices", "listCommodities")
ENDPOINTS = (*OPERATIONS, "health")
PRICE_BOOK = web.AppKey("agriculture_price_book", PriceBook)
# Reference data (exchange contract §6): anyone may cache it for an hour,
# and the hub may serve it stale when this service fails, labelled with ``data_as_of``.
CACHE_CONTROL = "public, max-age=3600"


class InvalidParameterError(ValueError):
    pass


def _price(price: Price) -> dict[str, Any]:
    market = price.market
    return {"commodity": {"code": price.commodity.code, "name": price.commodity.name},
            "market": {"code": market.code, "name": market.name,
                       "commune": {"code": market.commune_code, "name": market.commune_name}},
            "date": price.day.isoformat(), "price_vnd_per_kg": price.vnd_per_kg,
            "unit": "VND/kg", "as_of": price.as_of.isoformat(), "source": SOURCE}


def _price_list(prices: list[Price]) -> web.Response:
    newest = max((p.as_of for p in prices), default=None)
    headers = {"Cache-Control": CACHE_CONTROL}
    if newest is not None:  # RFC 9110 §8.8.2, for conditional requests and "data as of"
        headers["Last-Modified"] = format_datetime(newest.astimezone(UTC), usegmt=True)
    return json_response({"data_as_of": newest.isoformat() if newest else None,
                          "count": len(prices), "prices": [_price(p) for p in prices]},
                         headers=headers)


def _filters(request: web.Request) -> tuple[str | None, str | None]:
    commodity = request.query.get("commodity") or None
    market = request.query.get("market") or None
    if commodity is not None and commodity not in COMMODITIES:
        raise InvalidParameterError(f"Unknown commodity {commodity!r}; see /commodities.")
    if market is not None and market not in MARKETS:
        raise InvalidParameterError(f"Unknown market {market!r}; see /commodities.")
    return commodity, market


def _invalid(error: InvalidParameterError) -> web.Response:
    return problem(400, "invalid_parameter", "Tham số không hợp lệ / Invalid parameter",
                   str(error))


async def list_prices(request: web.Request) -> web.Response:
    try:
        commodity, market = _filters(request)
        raw_day = request.query.get("date") or None
        try:
            day = date.fromisoformat(raw_day) if raw_day else None
        except ValueError as error:
            raise InvalidParameterError("date must be YYYY-MM-DD.") from error
    except InvalidParameterError as error:
        return _invalid(error)
    return _price_list(request.app[PRICE_BOOK].prices(commodity, market, day))


async def latest_prices(request: web.Request) -> web.Response:
    try:
        commodity, market = _filters(request)
    except InvalidParameterError as error:
        return _invalid(error)
    return _price_list(request.app[PRICE_BOOK].latest(commodity, market))


async def list_commodities(request: web.Request) -> web.Response:
    return json_response({"commodities": [
        {"code": c.code, "name": c.name, "category": c.category, "unit": "kg",
         "markets": [{"code": m, "name": MARKETS[m].name} for m in c.markets]}
        for c in COMMODITIES.values()]}, headers={"Cache-Control": CACHE_CONTROL})



def create_app(faults: dict[str, UpstreamFault] | None = None,
               price_book: PriceBook | None = None) -> web.Application:
    app = upstream_kit.rest_provider(ENDPOINTS, faults, openapi_document)
    app[PRICE_BOOK] = price_book or PriceBook()
    app.router.add_get("/prices", list_prices, name="listPrices")
    app.router.add_get("/prices/latest", latest_prices, name="latestPrices")
    app.router.add_get("/commodities", list_commodities, name="listCommodities")
    return app
