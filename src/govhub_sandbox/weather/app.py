"""The aiohttp application of the sandbox hydro-meteorological station ("Đài Khí tượng Thủy
văn tỉnh Cà Mau"). Routes are named after their OpenAPI operationId, which is also the fault
endpoint name."""

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from govhub_sandbox import upstream_kit
from govhub_sandbox.upstream_kit import (
    UpstreamFault,
    json_response,
    problem,
)
from govhub_sandbox.weather.forecast import COMMUNES, SOURCE, Alert, DayForecast, Station
from govhub_sandbox.weather.openapi import openapi_document

OPERATIONS = ("getForecast", "listAlerts")
ENDPOINTS = (*OPERATIONS, "health")
STATION = web.AppKey("weather_station", Station)
# Reference data (exchange contract §6). Warnings change within the hour,
# so shared caches keep them for 10 minutes only.
CACHE_CONTROL = "public, max-age=600"


def _commune(code: str) -> dict[str, str]:
    return {"code": code, "name": COMMUNES[code]}


def _day(day: DayForecast) -> dict[str, Any]:
    return {"date": day.day.isoformat(), "description": day.description,
            "temperature_c": {"min": day.temperature_min_c, "max": day.temperature_max_c},
            "rain": {"probability_percent": day.rain_probability_percent, "mm": day.rain_mm},
            "wind": {"direction": day.wind_direction, "level": day.wind_level,
                     "speed_kmh": day.wind_speed_kmh}}


def _alert(alert: Alert) -> dict[str, Any]:
    return {"id": alert.code, "kind": alert.kind, "kind_name": alert.kind_name,
            "title": alert.title, "description": alert.description,
            "risk_level": alert.risk_level, "areas": [_commune(c) for c in alert.area_codes],
            "issued_at": alert.issued_at.isoformat(),
            "valid_until": alert.valid_until.isoformat()}


def _headers(as_of: datetime | None) -> dict[str, str]:
    headers = {"Cache-Control": CACHE_CONTROL}
    if as_of is not None:  # RFC 9110 §8.8.2, for conditional requests and "data as of"
        headers["Last-Modified"] = format_datetime(as_of.astimezone(UTC), usegmt=True)
    return headers


def _invalid(detail: str) -> web.Response:
    return problem(400, "invalid_parameter", "Tham số không hợp lệ / Invalid parameter", detail)


async def get_forecast(request: web.Request) -> web.Response:
    code = request.query.get("commune_code", "")
    if code not in COMMUNES:
        return _invalid(f"commune_code: one of {sorted(COMMUNES)} (5-digit commune code).")
    station = request.app[STATION]
    issued = station.issued_at()
    return json_response({"commune": _commune(code), "issued_at": issued.isoformat(),
                          "source": SOURCE,
                          "days": [_day(d) for d in station.forecast(code)]},
                         headers=_headers(issued))


async def list_alerts(request: web.Request) -> web.Response:
    code = request.query.get("commune_code") or None
    if code is not None and code not in COMMUNES:
        return _invalid(f"commune_code: one of {sorted(COMMUNES)}.")
    alerts = request.app[STATION].alerts(code)
    newest = max((a.issued_at for a in alerts), default=None)
    return json_response({"count": len(alerts), "source": SOURCE,
                          "alerts": [_alert(a) for a in alerts]}, headers=_headers(newest))



def create_app(faults: dict[str, UpstreamFault] | None = None,
               station: Station | None = None) -> web.Application:
    app = upstream_kit.rest_provider(ENDPOINTS, faults, openapi_document)
    app[STATION] = station or Station()
    app.router.add_get("/forecast", get_forecast, name="getForecast")
    app.router.add_get("/alerts", list_alerts, name="listAlerts")
    return app
