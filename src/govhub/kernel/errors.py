"""Every API error as RFC 9457 problem+json; never a 500 (or a stack trace) for bad input.

:func:`install_problem_handlers` maps django-ninja's and Django's exceptions onto the
catalogue in :mod:`govhub.kernel.problems`; :class:`DomainError` is what services raise for
a rule the request broke.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from govhub.kernel import context, problems, throttling
from govhub.kernel.field_errors import from_django, from_ninja
from govhub_contracts.problem import MEDIA_TYPE, FaultOrigin, FieldError, Problem

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the request (raised by services, rendered as a problem)."""

    def __init__(self, kind: problems.ProblemType, detail: str, *,
                 errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.errors = errors


def problem_response(
    request: HttpRequest | None,
    kind: problems.ProblemType,
    *,
    status: int | None = None,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    status = status or kind.status
    current = context.current.get()
    body = Problem(
        type=kind.uri,
        title=str(kind.title),
        status=status,
        detail=detail,
        instance=request.path if request is not None else None,
        fault_origin=FaultOrigin.PLATFORM if status >= 500 else FaultOrigin.CLIENT,
        retryable=status in (429, 503) or status >= 500,
        request_id=current.request_id if current else None,
        errors=errors or None,
    )
    response = HttpResponse(body.to_json_bytes(), status=status, content_type=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = from_ninja(exc.errors)
    return problem_response(request, problems.VALIDATION, errors=errors,
                            detail=_("Check the fields listed in `errors`."))


def _on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem_response(request, problems.VALIDATION, errors=from_django(exc),
                            detail=_("Check the fields listed in `errors`."))


def _rate_limited(request: HttpRequest, wait_seconds: float | None) -> HttpResponse:
    wait = math.ceil(wait_seconds or 1)
    return problem_response(request, problems.RATE_LIMITED, headers={"Retry-After": str(wait)},
                            detail=ngettext("Try again in %(seconds)d second.",
                                            "Try again in %(seconds)d seconds.",
                                            wait) % {"seconds": wait})


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, Throttled):
        return _rate_limited(request, exc.wait)
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        wait = throttling.unauthenticated_wait_seconds(request)
        if wait is not None:
            return _rate_limited(request, wait)
        return problem_response(request, problems.NOT_AUTHENTICATED)
    if exc.status_code == 400:
        # django-ninja raises HttpError(400) when the body is not parseable JSON.
        return problem_response(request, problems.MALFORMED)
    kind = problems.BY_STATUS.get(exc.status_code, problems.VALIDATION)
    return problem_response(request, kind, status=exc.status_code, detail=str(exc))


def _on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem_response(request, exc.kind, detail=exc.detail, errors=exc.errors)


def _on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, problems.PERMISSION_DENIED, detail=str(exc) or None)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(request, problems.NOT_FOUND)


def _on_integrity_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.info("integrity error turned into 409: %s", exc)
    return problem_response(request, problems.CONFLICT)


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error in API", exc_info=exc)
    return problem_response(request, problems.SERVER_ERROR)


def install_problem_handlers(api: NinjaAPI) -> None:
    handlers: list[tuple[type[Exception], Any]] = [
        (Exception, _on_unexpected),
        (NinjaValidationError, _on_validation),
        (DjangoValidationError, _on_django_validation),
        (HttpError, _on_http_error),
        (DomainError, _on_domain_error),
        (PermissionDenied, _on_permission_denied),
        (Http404, _on_not_found),
        (IntegrityError, _on_integrity_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
