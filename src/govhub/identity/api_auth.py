"""Bearer access tokens on govhub's own API (RFC 6750), beside the browser's session.

An app a person signed in to with single sign-on may call ``/api/`` on that person's behalf
when the person granted it the ``api`` scope; the call then has exactly the person's roles,
as if they had made it in the browser. Tokens are checked by django-oauth-toolkit's own
validator (expiry, revocation, scope), so a token revoked at sign-out stops working at once.
A system's client-credentials token names no person and opens nothing here: systems call the
integration hub, not this API.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from oauth2_provider.oauth2_backends import get_oauthlib_core

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
