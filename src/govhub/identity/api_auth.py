"""Bearer access tokens on govhub's own API (RFC 6750), beside the browser's session.

An app a person signed in to with single sign-on may call ``/api/`` on that person's behalf
when the person granted it the ``api`` scope; the call then has exactly the person's roles,
as if they had made it in the browser. Tokens are checked by django-oauth-toolkit's own
validator (expiry, revocation, scope), so a token revoked at sign-out stops working at once.
A system's client-credentials token names no person and opens nothing here: systems call the
integration hub, not this API.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import Throttled
from ninja.security import HttpBearer, SessionAuth
from oauth2_provider.oauth2_backends import get_oauthlib_core

from govhub.identity.people.access import may_use_admin
from govhub.kernel.throttling import AuthenticatedRate

API_SCOPE = "api"


class AccessTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with the ``api`` scope. No CSRF check: the header is
    not sent by a browser on its own, unlike the session cookie (OWASP CSRF cheat sheet)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[API_SCOPE])
        user = getattr(oauth_request, "user", None) if valid else None
        if user is None or not user.is_active:
            return None
        request.user = user
        return user


def _admitted_to_admin_api(request: HttpRequest, user: Any) -> Any:
    """The administration operations (agencies, accounts, roles, audit, the hub's registry)
    serve people who hold a role that opens the admin (``roles.ADMIN_SITE_PERMISSIONS``),
    as the web admin does. Anyone else is told so with a 403 rather than shown empty lists
    and the role catalogue (OWASP API Security Top 10 2023, API5: broken function level
    authorization). The refusal counts against the account's own rate, as its other calls
    do: django-ninja throttles only after authentication has passed."""
    if user is not None and not may_use_admin(user):
        throttle = AuthenticatedRate()
        if not throttle.allow_request(request):
            raise Throttled(math.ceil(throttle.wait() or 1))
        raise PermissionDenied(_("This account cannot use the administration API."))
    return user


class AdminAccessTokenAuth(AccessTokenAuth):
    """:class:`AccessTokenAuth` for the administration operations."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _admitted_to_admin_api(request, super().authenticate(request, token))


class AdminSessionAuth(SessionAuth):
    """The browser's session (cookie + CSRF) for the administration operations."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _admitted_to_admin_api(request, super().authenticate(request, key))


def admin_api_auth() -> list[Any]:
    """The ``auth`` of a router whose operations are administration."""
    return [AdminAccessTokenAuth(), AdminSessionAuth()]
