"""Brute-force protection for passwords (django-axes), glued to govhub: after
``AXES_FAILURE_LIMIT`` (5) failed passwords for one username from one client address,
that pair is refused for ``AXES_COOLOFF_TIME`` (15 minutes), on /login/ and /admin/login/.

Attempts are counted per typed username whether or not an account has it, and the
lockout page is the same for both, so it tells an attacker nothing about who exists.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, first in AUTHENTICATION_BACKENDS. Without a request there is no client
    to lock out: ``authenticate()`` is then called by the server's own code (the test
    client's ``login``, a management command), never by a sign-in form, so it is not
    counted rather than refused."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip_address(request: HttpRequest) -> str | None:
    """The address the audit log records too (RequestContextMiddleware): REMOTE_ADDR, which
    the ASGI server sets from the TLS proxy's X-Forwarded-For when it trusts the proxy."""
    return request.META.get("REMOTE_ADDR") or None


def username_for_lockout(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Usernames and e-mails sign in case-insensitively (AccountBackend), so "Admin" and
    "admin" share one counter."""
    value = (credentials or {}).get("username")
    if value is None:
        value = request.POST.get("username", "")
    return str(value or "").strip().lower()


def cooloff() -> timedelta:
    value = settings.AXES_COOLOFF_TIME
    return value if isinstance(value, timedelta) else timedelta(hours=float(value))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None,
                     credentials: dict[str, Any] | None) -> HttpResponse:
    """What a locked-out sign-in sees (AXES_LOCKOUT_CALLABLE), in the page's language."""
    duration = cooloff()
    minutes = max(1, round(duration.total_seconds() / 60))
    retry_at = timezone.localtime(timezone.now() + duration)
    response = render(request, "identity/locked_out.html",
                      {"minutes": minutes, "retry_at": retry_at}, status=429)
    response["Retry-After"] = str(int(duration.total_seconds()))
    return response
