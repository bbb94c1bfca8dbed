"""The catalogue of problem types govhub's API returns (RFC 9457 §3.1.1: a stable ``type``
URI per kind of problem). Each type is documented at ``/problems/<slug>``."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: Promise
    description: Promise

    @property
    def uri(self) -> str:
        return f"{settings.GOVHUB_PUBLIC_URL}/problems/{self.slug}"


VALIDATION = ProblemType(
    "validation-error", 422, _("The request has invalid fields"),
    _("One or more fields are missing or invalid; `errors` names each one."))
MALFORMED = ProblemType(
    "malformed-request", 400, _("The request body cannot be read"),
    _("The body is not valid JSON (or not the declared content type)."))
OUT_OF_RANGE = ProblemType(
    "parameter-out-of-range", 400, _("A parameter is out of range"),
    _("A query parameter is a number too large for any result to exist; `errors` names it."))
NOT_AUTHENTICATED = ProblemType(
    "not-authenticated", 401, _("Sign-in required"),
    _("The request carries no valid session or credentials."))
PERMISSION_DENIED = ProblemType(
    "permission-denied", 403, _("You do not have permission for this action"),
    _("The signed-in account has no role granting this action in this agency."))
NOT_FOUND = ProblemType(
    "not-found", 404, _("Not found"),
    _("No such resource, or it is outside what you may see."))
METHOD_NOT_ALLOWED = ProblemType(
    "method-not-allowed", 405, _("Method not allowed"),
    _("This resource does not accept that HTTP method."))
CONFLICT = ProblemType(
    "conflict", 409, _("The request conflicts with existing data"),
    _("For example, a code or phone number that another record already uses."))
RATE_LIMITED = ProblemType(
    "rate-limited", 429, _("Too many requests"),
    _("Wait for the number of seconds in the Retry-After header, then try again."))
SERVER_ERROR = ProblemType(
    "server-error", 500, _("Internal error"),
    _("Something failed inside govhub. The request id helps the operators find it."))

ALL = {p.slug: p for p in (VALIDATION, MALFORMED, OUT_OF_RANGE, NOT_AUTHENTICATED,
                           PERMISSION_DENIED, NOT_FOUND, METHOD_NOT_ALLOWED, CONFLICT,
                           RATE_LIMITED, SERVER_ERROR)}
# The type of a bare status (an error response not yet a problem); 400 is an unreadable body.
BY_STATUS = {p.status: p for p in ALL.values() if p is not OUT_OF_RANGE}
