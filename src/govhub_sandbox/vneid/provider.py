"""The provider's state shared by every handler, and the responses they have in common."""

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from govhub_sandbox.vneid.config import Citizen, SandboxConfig
from govhub_sandbox.vneid.faults import FaultInjector
from govhub_sandbox.vneid.store import Clock, Store
from govhub_sandbox.vneid.tokens import SigningKey, subject_for

SESSION_COOKIE = "vneid_sandbox_session"


@dataclass
class Provider:
    config: SandboxConfig
    key: SigningKey
    store: Store
    faults: FaultInjector
    clock: Clock

    def issuer(self, request: web.Request) -> str:
        return self.config.issuer or f"{request.scheme}://{request.host}"

    def now(self) -> int:
        return int(self.clock())

    def subject(self, citizen: Citizen) -> str:
        return subject_for(citizen.so_dinh_danh, self.config.subject_secret)

    def acr(self, citizen: Citizen) -> str:
        return self.config.acr_values[citizen.level]

    def amr(self, citizen: Citizen) -> list[str]:
        return list(self.config.amr_values[citizen.level])


PROVIDER = web.AppKey("vneid_provider", Provider)

# Responses carrying codes or tokens must not be cached (RFC 6749 §5.1); pages neither framed
# (clickjacking on the login page, RFC 6749 §10.13) nor sent as Referer (the code is in the URL).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def json_response(body: Any, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    # UTF-8 JSON (RFC 8259 §8.1), Vietnamese names kept readable rather than \\u-escaped.
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/json", headers={**NO_STORE, **(headers or {})})


def page_response(html: str, *, status: int = 200) -> web.Response:
    return web.Response(text=html, status=status, content_type="text/html",
                        headers=PAGE_HEADERS)
