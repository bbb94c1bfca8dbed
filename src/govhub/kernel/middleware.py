from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from govhub.kernel import context, problems
from govhub.kernel.errors import problem_response
from govhub_contracts.problem import MEDIA_TYPE

logger = logging.getLogger(__name__)

# A caller-supplied request id is echoed only when it is short and plain, so it cannot
# inject into logs or headers; otherwise we mint one.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
API_PREFIX = "/api/"


class RequestContextMiddleware:
    """Gives each request an id (``X-Request-Id``) and exposes it, the client address and
    user agent to services for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-Id", "")
        request_id = supplied if _SAFE_REQUEST_ID.match(supplied) else uuid.uuid4().hex
        token = context.current.set(
            context.RequestContext(
                request_id=request_id,
                ip_address=request.META.get("REMOTE_ADDR") or None,
                user_agent=request.headers.get("User-Agent", ""),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response["X-Request-Id"] = request_id
        return response


class ApiProblemMiddleware:
    """Under ``/api/``, turns any error response that is not yet problem+json (an unknown
    URL, a wrong method, an unexpected exception) into one, without a stack trace."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(MEDIA_TYPE)
        ):
            kind = problems.BY_STATUS.get(response.status_code, problems.SERVER_ERROR)
            headers = {"Allow": response["Allow"]} if response.has_header("Allow") else None
            return problem_response(request, kind, status=response.status_code, headers=headers)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("unhandled error under /api/", exc_info=exception)
        return problem_response(request, problems.SERVER_ERROR)
