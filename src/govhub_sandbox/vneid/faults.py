"""Fault injection: make the token or userinfo endpoint slow or unavailable, as the real
central services are at times (docs/vietnam.md), so that govhub's
tests can check that sign-in degrades gracefully and recovers.

Set at startup (``faults`` in the configuration) or at run time::

    POST /_sandbox/faults {"token": {"fail_next": 2}, "userinfo": {"delay_seconds": 3}}
    GET  /_sandbox/faults     → the faults in force
    DELETE /_sandbox/faults   → no faults

A POST replaces all faults: an endpoint it does not name has none afterwards.
"""

import hmac
import json
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

from govhub_sandbox.faults import FaultInjector as SharedFaultInjector
from govhub_sandbox.vneid.config import ConfigError, EndpointFault, faults_from_dict

RETRY_AFTER_SECONDS = 1


def _unavailable(endpoint: str) -> web.Response:
    # RFC 9110 §15.6.4: 503 with Retry-After for a temporary overload or outage. The body
    # borrows RFC 6749 §4.1.2.1's "temporarily_unavailable" so OAuth clients can parse it.
    body = {"error": "temporarily_unavailable",
            "error_description": f"Sandbox fault injected on the {endpoint} endpoint."}
    return web.json_response(body, status=503,
                             headers={"Retry-After": str(RETRY_AFTER_SECONDS),
                                      "Cache-Control": "no-store"})


class FaultInjector(SharedFaultInjector):
    def __init__(self, faults: Mapping[str, EndpointFault]) -> None:
        super().__init__(_unavailable, faults)


def _problem(status: int, title: str, detail: str) -> web.Response:
    # RFC 9457 problem details, the error shape of govhub's own APIs.
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/problem+json")


def _is_admin(request: web.Request, admin_token: str | None) -> bool:
    if admin_token is None:
        return True
    supplied = request.headers.get("Authorization", "")
    return hmac.compare_digest(supplied.encode(), f"Bearer {admin_token}".encode())


def faults_handler(injector: FaultInjector, admin_token: str | None) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if not _is_admin(request, admin_token):
            return _problem(401, "Cần mã quản trị / Admin token required",
                            "Send Authorization: Bearer <admin_token>.")
        if request.method == "POST":
            try:
                data = await request.json()
                injector.set(faults_from_dict(data))
            except (ValueError, ConfigError) as error:
                return _problem(400, "Cấu hình lỗi không hợp lệ / Invalid faults", str(error))
        elif request.method == "DELETE":
            injector.set({})
        return web.json_response(injector.as_dict())

    return handle
