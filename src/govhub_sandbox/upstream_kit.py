"""What the sandbox upstreams behind the integration hub share (population, land,
agriculture): fault injection, the log of what each provider received, and the check that a
REST call carries the hub's X-Road identification.

Faults, per endpoint (an operation name: ``getParcel``, ``TraCuuThongTinCongDan``, ``health``)
or for every endpoint at once (``"*"``; an endpoint's own fault wins over it):

    {"getParcel": {"delay_seconds": 2}}            slow: answer after 2 s
    {"*": {"hang": true}}                          never answer until the client goes away
    {"getParcel": {"fail": true, "status": 500}}   500 (or 503, the default) until cleared
    {"getParcel": {"fail_next": 2}}                the next 2 answers fail, then normal again
    {"getParcel": {"close_mid_response": true}}    a head with Content-Length, half the body,
                                                   then the connection is closed
    {"getParcel": {"huge_response_mb": 50}}        a 50 MB body, streamed

set at start (``--faults``) and at runtime: ``POST /_faults`` (replaces all), ``GET /_faults``,
``DELETE /_faults``. Delay, fail and fail_next reuse ``govhub_sandbox.faults.FaultInjector``.
These are the failures the hub's timeouts, retries, breakers and response limits exist for
(exchange contract §3-5; central APIs fail at times, docs/vietnam.md).
"""

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from govhub_sandbox.faults import FaultInjector

EVERY_ENDPOINT = "*"
MAX_DELAY_SECONDS = 600.0
MAX_HUGE_MB = 1024
FAIL_STATUSES = (500, 503)
HANG_POLL_SECONDS = 0.05
CHUNK = 64 * 1024
REQUEST_LOG_SIZE = 100
# The identification headers the hub adds to every REST call (exchange contract §1).
XROAD_HEADERS = ("X-Road-Client", "X-Road-Id", "X-Road-UserId", "X-Road-Issue",
                 "X-Road-Service")
REQUIRED_XROAD_HEADERS = ("X-Road-Client", "X-Road-Id")
PROBLEM_JSON = "application/problem+json"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Builds the simulator's own failure answer (problem+json, or a SOAP fault): endpoint, status.
Unavailable = Callable[[str, int], web.Response]


class FaultConfigError(ValueError):
    pass


@dataclass
class UpstreamFault:
    delay_seconds: float = 0.0
    fail: bool = False
    fail_next: int = 0
    status: int = 503  # of the failures that fail / fail_next produce
    hang: bool = False
    close_mid_response: bool = False
    huge_response_mb: int = 0

    @property
    def is_active(self) -> bool:
        return (self.delay_seconds > 0 or self.fail or self.fail_next > 0 or self.hang
                or self.close_mid_response or self.huge_response_mb > 0)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise FaultConfigError(message)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fault_from_dict(name: str, value: Any) -> UpstreamFault:
    known = {f.name for f in fields(UpstreamFault)}
    _check(isinstance(value, dict) and not set(value) - known,
           f"{name}: an object with some of {sorted(known)}.")
    fault = UpstreamFault(**value)
    _check(_is_number(fault.delay_seconds) and 0 <= fault.delay_seconds <= MAX_DELAY_SECONDS,
           f"{name}.delay_seconds: a number from 0 to {MAX_DELAY_SECONDS:g}.")
    for flag in ("fail", "hang", "close_mid_response"):
        _check(isinstance(getattr(fault, flag), bool), f"{name}.{flag}: true or false.")
    _check(isinstance(fault.fail_next, int) and not isinstance(fault.fail_next, bool)
           and fault.fail_next >= 0, f"{name}.fail_next: a whole number, 0 or more.")
    _check(fault.status in FAIL_STATUSES and not isinstance(fault.status, bool),
           f"{name}.status: one of {list(FAIL_STATUSES)}.")
    _check(isinstance(fault.huge_response_mb, int) and not isinstance(fault.huge_response_mb, bool)
           and 0 <= fault.huge_response_mb <= MAX_HUGE_MB,
           f"{name}.huge_response_mb: a whole number from 0 to {MAX_HUGE_MB}.")
    fault.delay_seconds = float(fault.delay_seconds)
    return fault


def faults_from_dict(data: Any, endpoints: Iterable[str]) -> dict[str, UpstreamFault]:
    allowed = (*endpoints, EVERY_ENDPOINT)
    _check(isinstance(data, dict), "Expected a JSON object keyed by endpoint name, e.g. "
                                   '{"*": {"fail": true}}.')
    for name in data:
        _check(name in allowed, f"Unknown endpoint {name!r}; use one of {list(allowed)}.")
    return {name: fault_from_dict(name, value) for name, value in data.items()}


def json_argument(text: str) -> Any:
    """A command-line option's JSON: inline, or ``@path`` to a JSON file."""
    try:
        if text.startswith("@"):
            with open(text[1:], encoding="utf-8") as file:
                return json.load(file)
        return json.loads(text)
    except (OSError, ValueError) as error:
        raise FaultConfigError(f"--faults: {error}") from error


def faults_from_argument(text: str | None, endpoints: Iterable[str]) -> dict[str, UpstreamFault]:
    """``--faults``: inline JSON, or ``@path`` to a JSON file."""
    return faults_from_dict(json_argument(text), endpoints) if text else {}


class UpstreamFaultInjector(FaultInjector):
    def __init__(self, unavailable: Unavailable, endpoints: Iterable[str],
                 faults: dict[str, UpstreamFault] | None = None) -> None:
        self.endpoints = tuple(endpoints)
        super().__init__(lambda key: unavailable(key, self._faults[key].status), faults)

    def _key_for(self, endpoint: str) -> str | None:
        for key in (endpoint, EVERY_ENDPOINT):
            if key in self._faults and self._faults[key].is_active:
                return key
        return None

    async def interfere_with(self, request: web.Request,
                             endpoint: str) -> web.StreamResponse | None:
        """The faulty answer to give instead of the real one, or None to answer normally."""
        key = self._key_for(endpoint)
        if key is None:
            return None
        fault = self._faults[key]
        if fault.hang:
            return await hang(request)
        failure = await self.interfere(key)  # the shared delay / fail / fail_next
        if failure is not None:
            return failure
        if fault.close_mid_response:
            return await close_mid_response(request)
        if fault.huge_response_mb:
            return await huge_response(request, fault.huge_response_mb)
        return None


STOPPING = web.AppKey("sandbox_stopping", asyncio.Event)


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def hang(request: web.Request) -> web.StreamResponse:
    """Answer nothing until the client gives up. aiohttp does not cancel a handler when its
    client leaves, so watch the transport; the server stopping ends the wait as well, or a
    hung request would hold the shutdown for its whole grace period."""
    stopping = request.app[STOPPING]
    while not _client_gone(request) and not stopping.is_set():
        await asyncio.sleep(HANG_POLL_SECONDS)
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=503)  # nobody will read it


async def close_mid_response(request: web.Request) -> web.StreamResponse:
    """A head promising 1024 bytes, 512 of them, then the connection closed: RFC 9112 §6.3
    makes the client treat the message as incomplete, the case a proxy must not pass off as a
    whole answer."""
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.content_length = 1024
    await response.prepare(request)
    await response.write(b'{"partial": "' + b"x" * (512 - 13))
    if request.transport is not None:
        request.transport.close()
    return response


async def huge_response(request: web.Request, megabytes: int) -> web.StreamResponse:
    """A valid JSON document of exactly ``megabytes`` MiB, streamed in 64 KiB chunks (never
    held in memory), for the hub's response size limit."""
    total = megabytes * 1024 * 1024
    prefix, suffix = b'{"filler": "', b'"}'
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.content_length = total
    await response.prepare(request)
    remaining = total - len(prefix) - len(suffix)
    try:
        await response.write(prefix)
        while remaining > 0:
            size = min(CHUNK, remaining)
            await response.write(b"x" * size)
            remaining -= size
        await response.write(suffix)
    except (ConnectionError, RuntimeError):
        pass  # the client stopped reading, as a hub over its limit does
    return response


def json_response(data: Any, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    """JSON with Vietnamese left readable (UTF-8, RFC 8259 §8.1) rather than \\u-escaped."""
    return web.json_response(data, status=status, headers=headers,
                             dumps=lambda value: json.dumps(value, ensure_ascii=False))


def problem(status: int, code: str, title: str, detail: str,
            headers: dict[str, str] | None = None) -> web.Response:
    """RFC 9457 problem details, as the providers behind the hub answer errors."""
    body = {"type": "about:blank", "title": title, "status": status, "code": code,
            "detail": detail}
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                        content_type=PROBLEM_JSON, headers=headers)


def rest_unavailable(endpoint: str, status: int) -> web.Response:
    # RFC 9110 §15.6.4: a temporary outage is 503 with Retry-After; 500 is a plain crash.
    if status == 503:
        return problem(503, "temporarily_unavailable",
                       "Hệ thống tạm thời không phục vụ / Service temporarily unavailable",
                       f"Sandbox fault injected on {endpoint!r}.", {"Retry-After": "1"})
    return problem(500, "internal_error", "Lỗi hệ thống / Internal server error",
                   f"Sandbox fault injected on {endpoint!r}.")


# --- /_faults ---------------------------------------------------------------------------

FAULTS = web.AppKey("sandbox_faults", UpstreamFaultInjector)


async def _get_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[FAULTS].as_dict())


async def _post_faults(request: web.Request) -> web.Response:
    injector = request.app[FAULTS]
    try:
        injector.set(faults_from_dict(await request.json(), injector.endpoints))
    except (ValueError, TypeError) as error:
        return problem(400, "invalid_faults", "Cấu hình lỗi giả lập không hợp lệ / "
                       "Invalid fault configuration", str(error))
    return web.json_response(injector.as_dict())


async def _delete_faults(request: web.Request) -> web.Response:
    request.app[FAULTS].set({})
    return web.json_response({})


# --- the request log ----------------------------------------------------------------------

class RequestLog(deque[dict[str, Any]]):
    """The latest calls, oldest first; older ones fall off."""


REQUEST_LOG = web.AppKey("sandbox_request_log", RequestLog)
# The request's entry, for handlers to add to (the SOAP header they parsed).
LOG_ENTRY = web.RequestKey("sandbox_log_entry", dict[str, Any])


@web.middleware
async def record_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Keep what the provider saw of each call (not of /_faults, /_requests), so end-to-end
    tests can assert what the hub passed on. The entry is logged before the answer, so a hung
    call is visible too; its status is filled in once answered (never, for a hung call)."""
    if request.path.startswith("/_"):
        return await handler(request)
    entry: dict[str, Any] = {
        "received_at": datetime.now(UTC).isoformat(), "method": request.method,
        "path": request.path, "query": request.query_string,
        "headers": {name: request.headers.get(name) for name in XROAD_HEADERS},
        "status": None}
    request.app[REQUEST_LOG].append(entry)
    request[LOG_ENTRY] = entry
    response = await handler(request)
    # A hung call whose client left was never answered: its status stays null.
    if response.prepared or not _client_gone(request):
        entry["status"] = response.status
    return response


async def _get_requests(request: web.Request) -> web.Response:
    log: RequestLog = request.app[REQUEST_LOG]
    return json_response({"requests": list(reversed(log))})  # newest first


async def _delete_requests(request: web.Request) -> web.Response:
    request.app[REQUEST_LOG].clear()
    return web.json_response({"requests": []})


# --- identification and faults for REST operations ----------------------------------------

def require_identification(exempt: Iterable[str]) -> Callable[..., Any]:
    """Providers behind the hub answer only identified calls (exchange contract §1): without
    X-Road-Client and X-Road-Id the call did not come through the hub, or the hub is broken."""
    exempt_paths = frozenset(exempt)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in exempt_paths or request.path.startswith("/_"):
            return await handler(request)
        missing = [name for name in REQUIRED_XROAD_HEADERS
                   if not request.headers.get(name, "").strip()]
        if missing:
            return problem(400, "missing_identification",
                           "Thiếu thông tin định danh X-Road / Missing X-Road identification",
                           f"Required headers missing: {', '.join(missing)}.")
        return await handler(request)

    return middleware


@web.middleware
async def inject_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Faults for routes named after their operation (operationId); /_* are never faulted."""
    name = request.match_info.route.name
    if name and not request.path.startswith("/_"):
        faulty = await request.app[FAULTS].interfere_with(request, name)
        if faulty is not None:
            return faulty
    return await handler(request)


async def _stop_hanging(app: web.Application) -> None:
    app[STOPPING].set()


def install(app: web.Application, injector: UpstreamFaultInjector) -> None:
    """The /_faults and /_requests routes and the state they use. The app's middlewares
    (record_requests first) are the caller's to list, since the order matters."""
    app[FAULTS] = injector
    app[REQUEST_LOG] = RequestLog(maxlen=REQUEST_LOG_SIZE)
    app[STOPPING] = asyncio.Event()
    app.on_shutdown.append(_stop_hanging)
    app.router.add_get("/_faults", _get_faults)
    app.router.add_post("/_faults", _post_faults)
    app.router.add_delete("/_faults", _delete_faults)
    app.router.add_get("/_requests", _get_requests)
    app.router.add_delete("/_requests", _delete_requests)


async def health(request: web.Request) -> web.Response:
    """The probe operation the hub calls (exchange contract §7)."""
    return json_response({"status": "ok"})


def rest_provider(endpoints: Iterable[str], faults: dict[str, UpstreamFault] | None,
                  openapi_document: Callable[[str], dict[str, Any]]) -> web.Application:
    """The skeleton every REST sandbox provider shares: the request log, the X-Road
    identification check (not for the probe and the document), fault injection, its OpenAPI
    document at ``/openapi.json`` and the probe at ``/health`` (exchange contract §7). The
    provider adds its own routes."""
    app = web.Application(middlewares=[
        record_requests, require_identification({"/health", "/openapi.json"}), inject_faults])
    install(app, UpstreamFaultInjector(rest_unavailable, endpoints, faults))

    async def openapi(request: web.Request) -> web.Response:
        return json_response(openapi_document(f"{request.scheme}://{request.host}"))

    app.router.add_get("/openapi.json", openapi)
    app.router.add_get("/health", health, name="health")
    return app
