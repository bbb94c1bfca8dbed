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
