"""API rate limits (answered with 429 + Retry-After). Rates come from settings at each
request, so an operator's change (GOVHUB_API_RATE_*) applies without code. Counters live in
the Django cache: per process by default, shared across processes with GOVHUB_REDIS_URL."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _RateFromSettings(SimpleRateThrottle):
    rate_name = ""

    def __init__(self) -> None:
        super().__init__(rate=self._configured_rate())

    def _configured_rate(self) -> str:
        return str(settings.GOVHUB_API_RATES[self.rate_name])

    def allow_request(self, request: HttpRequest) -> bool:
        self.num_requests, self.duration = self.parse_rate(self._configured_rate())
        return super().allow_request(request)


class AnonymousRate(_RateFromSettings, AnonRateThrottle):
    rate_name = "anonymous"


class AuthenticatedRate(_RateFromSettings, UserRateThrottle):
    """Counted per account id (ninja's AuthRateThrottle keys on display text)."""

    rate_name = "authenticated"


def unauthenticated_wait_seconds(request: HttpRequest) -> float | None:
    """Count a request whose credentials failed against the anonymous rate (per client
    address); the seconds to wait once it is over the rate, else ``None``.

    django-ninja checks an operation's throttles only after authentication succeeded, so
    without this a caller with no or a wrong token could try without limit (OWASP API
    Security Top 10 2023, API4: unrestricted resource consumption). An authenticated
    caller is counted under its own account, so it never shares this counter."""
    throttle = AnonymousRate()
    if throttle.allow_request(request):
        return None
    return throttle.wait() or 1.0
