"""Admin actions call services; a service's refusal (ValidationError, PermissionDenied)
becomes an admin message instead of a 500. Shared by every integration admin module, which
is why it is not in ``admin.py`` (that module imports them all to register them)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest


def run_service(request: HttpRequest, call: Any) -> Any:
    """Call a service from an admin action; its refusal becomes a message, not a 500."""
    try:
        return call()
    except (ValidationError, PermissionDenied) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return None
