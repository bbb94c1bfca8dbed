"""The aiohttp application of the sandbox tourism events service of the Department of
Culture, Sports and Tourism. Routes are named after their OpenAPI operationId, which is also
the fault endpoint name."""

from datetime import date, timedelta
from typing import Any

from aiohttp import web

from govhub_sandbox import upstream_kit
from govhub_sandbox.tourism.events import (
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    SOURCE,
    Calendar,
    Event,
)
from govhub_sandbox.tourism.openapi import openapi_document
from govhub_sandbox.upstream_kit import (
    UpstreamFault,
    json_response,
    problem,
)

OPERATIONS = ("listEvents",)
ENDPOINTS = (*OPERATIONS, "health")
CALENDAR = web.AppKey("tourism_calendar", Calendar)
# Reference data (exchange contract §6): cacheable for an hour.
CACHE_CONTROL = "public, max-age=3600"


class InvalidParameterError(ValueError):
    pass


def _event(event: Event) -> dict[str, Any]:
    return {"id": event.code, "name": event.name, "category": event.category,
            "starts_on": event.starts_on.isoformat(), "ends_on": event.ends_on.isoformat(),
            "starts_at": event.starts_at.strftime("%H:%M") if event.starts_at else None,
            "location": event.location,
            "commune": {"code": event.commune_code, "name": event.commune_name},
            "description": event.description}


def _day(request: web.Request, name: str, default: date) -> date:
    raw = request.query.get(name) or None
    if raw is None:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise InvalidParameterError(f"{name} must be YYYY-MM-DD.") from error


def _window(request: web.Request) -> tuple[date, date]:
    first = _day(request, "from", request.app[CALENDAR].today())
    last = _day(request, "to", first + timedelta(days=DEFAULT_WINDOW_DAYS))
    if last < first:
        raise InvalidParameterError("to must not be before from.")
    if (last - first).days > MAX_WINDOW_DAYS:
        raise InvalidParameterError(f"At most {MAX_WINDOW_DAYS} days from 'from' to 'to'.")
    return first, last


async def list_events(request: web.Request) -> web.Response:
    try:
        first, last = _window(request)
    except InvalidParameterError as error:
        return problem(400, "invalid_parameter", "Tham số không hợp lệ / Invalid parameter",
                       str(error))
    events = request.app[CALENDAR].events(first, last)
    return json_response({"from": first.isoformat(), "to": last.isoformat(),
                          "count": len(events), "source": SOURCE,
                          "events": [_event(e) for e in events]},
                         headers={"Cache-Control": CACHE_CONTROL})



def create_app(faults: dict[str, UpstreamFault] | None = None,
               calendar: Calendar | None = None) -> web.Application:
    app = upstream_kit.rest_provider(ENDPOINTS, faults, openapi_document)
    app[CALENDAR] = calendar or Calendar()
    app.router.add_get("/events", list_events, name="listEvents")
    return app
