"""Fault injection on the send API: slow, or unavailable, as real gateways are at times —
so govhub's tests can check that a failed send is reported and recovers.

    POST /_sandbox/faults {"send": {"delay_seconds": 2}}   → slow answers
    POST /_sandbox/faults {"send": {"fail": true}}         → 503 until cleared
    POST /_sandbox/faults {"send": {"fail_next": 2}}       → the next 2 answers are 503
    GET  /_sandbox/faults                                   → the faults in force
    DELETE /_sandbox/faults                                 → no faults

The same shape as the sandbox VNeID's faults; a POST replaces all faults.
"""

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from govhub_sandbox.faults import FaultInjector as SharedFaultInjector
from govhub_sandbox.sms.config import ConfigError

MAX_DELAY_SECONDS = 60.0
ENDPOINTS = ("send",)
RETRY_AFTER_SECONDS = 1


@dataclass
class Fault:
    delay_seconds: float = 0.0
    fail: bool = False
    fail_next: int = 0

    @property
    def is_active(self) -> bool:
        return self.delay_seconds > 0 or self.fail or self.fail_next > 0


def faults_from_dict(data: Any) -> dict[str, Fault]:
    if not isinstance(data, dict):
        raise ConfigError("Expected a JSON object keyed by endpoint name, e.g. "
                          '{"send": {"fail": true}}.')
    faults = {}
    for name, value in data.items():
        if name not in ENDPOINTS:
            raise ConfigError(f"Unknown endpoint {name!r}; use one of {list(ENDPOINTS)}.")
        if not isinstance(value, dict) or set(value) - {"delay_seconds", "fail", "fail_next"}:
            raise ConfigError(f"{name}: an object with delay_seconds, fail and/or fail_next.")
        delay = value.get("delay_seconds", 0.0)
        fail = value.get("fail", False)
        fail_next = value.get("fail_next", 0)
        if (isinstance(delay, bool) or not isinstance(delay, int | float)
                or not 0 <= delay <= MAX_DELAY_SECONDS):
            raise ConfigError(f"{name}.delay_seconds: a number from 0 to {MAX_DELAY_SECONDS}.")
        if not isinstance(fail, bool):
            raise ConfigError(f"{name}.fail: true or false.")
        if isinstance(fail_next, bool) or not isinstance(fail_next, int) or fail_next < 0:
            raise ConfigError(f"{name}.fail_next: a whole number, 0 or more.")
        faults[name] = Fault(float(delay), fail, fail_next)
    return faults


def _unavailable(endpoint: str) -> web.Response:
    # RFC 9110 §15.6.4: 503 with Retry-After for a temporary outage.
    return web.json_response(
        {"type": "about:blank", "title": "Cổng SMS tạm thời không phục vụ",
         "status": 503, "code": "temporarily_unavailable",
         "detail": f"Sandbox fault injected on the {endpoint} endpoint."},
        status=503, content_type="application/problem+json",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class FaultInjector(SharedFaultInjector):
    def __init__(self) -> None:
        super().__init__(_unavailable)
