"""The citizen app signs in as an OpenID Connect client of govhub's own provider (ADR 0015).

Authlib is the client: the authorization code flow with PKCE S256 (RFC 7636), ``state``
bound to the browser's session and ``nonce``, through the same ``/o/authorize/`` every
provincial app uses. The code is exchanged by the app's server side — a backend-for-frontend
(draft-ietf-oauth-browser-based-apps §6.1) — so no token ever reaches the page's JavaScript,
and Authlib checks the ID token as any relying party must (OIDC Core §3.1.3.7: signature
against the provider's published keys, fetched over HTTP like any other client does; ``iss``,
``aud``, ``exp``, ``iat``, the ``nonce`` we sent, ``at_hash``). Two modes: a citizen signs in
as the provider offers (password, SMS code, VNeID); an official asks for
``acr_values=urn:govhub:loa:2``, so the provider demands the second factor (ADR 0015).
Without ``GOVHUB_APP_CLIENT_ID`` the app sends people to the sign-in page itself.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from joserfc.errors import JoseError

from govhub.identity.sign_in.flow import safe_next
from govhub.identity.sso.assurance import ACR_LEVEL_2
from govhub.kernel import outbound_http

CLIENT_NAME = "govhub-app"
SIGNED_IN_KEY = "govhub_app_sign_in"
SCOPES = "openid profile phone commune"
ID_TOKEN_ALGORITHMS = ["RS256"]  # what the provider signs with (identity.signing_keys)


def _issuer() -> str:
    return str(settings.GOVHUB_PUBLIC_URL).rstrip("/")


def redirect_uri() -> str:
    return f"{_issuer()}/app/callback"


_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def app_client() -> Any:
    """Authlib's Django client for the app at the provider (one per issuer and client id).
    The provider is govhub itself, so its endpoints are known without discovery."""
    issuer, client_id = _issuer(), str(settings.GOVHUB_APP_CLIENT_ID)
    with _clients_lock:
        client = _clients.get((issuer, client_id))
        if client is None:
            client = OAuth().register(
                CLIENT_NAME, client_cls=outbound_http.OAuth2ClientApp,
                user_agent=outbound_http.USER_AGENT, client_id=client_id,
                # The browser stays on the host it is on; the server side calls the issuer.
                authorize_url=reverse("oauth2_provider:authorize"),
                access_token_url=f"{issuer}/o/token/",
                client_kwargs={"scope": SCOPES, "code_challenge_method": "S256",
                               # A public client (RFC 6749 §2.1): PKCE, no secret.
                               "token_endpoint_auth_method": "none"},
                # Server metadata (RFC 8414) Authlib checks the ID token against.
                issuer=issuer, jwks_uri=f"{issuer}/o/.well-known/jwks.json",
                id_token_signing_alg_values_supported=ID_TOKEN_ALGORITHMS)
            if len(_clients) > 8:  # the issuer changes only in tests; keep it bounded
                _clients.clear()
            _clients[(issuer, client_id)] = client
        return client


class AppSignInView(View):
    """``/app/login/?next=…&mode=official``: start the code flow."""

    def get(self, request: HttpRequest) -> HttpResponse:
        next_url = safe_next(request, request.GET.get("next"))
        if not settings.GOVHUB_APP_CLIENT_ID:
            return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
        client = app_client()
        extra = {"acr_values": ACR_LEVEL_2} if request.GET.get("mode") == "official" else {}
        # Authlib makes state, nonce and the PKCE verifier, and keeps them in the session
        # under the state; the page to go back to rides along.
        authorization = client.create_authorization_url(redirect_uri(), **extra)
        client.save_authorize_data(request, redirect_uri=redirect_uri(), next_url=next_url,
                                   **authorization)
        return HttpResponseRedirect(authorization["url"])


class AppCallbackView(View):
    """``/app/callback``: check ``state``, exchange the code with the PKCE verifier, verify
    the ID token, remember the sign-in for the app, go back to where the person was."""

    def get(self, request: HttpRequest) -> HttpResponse:
        client = app_client() if settings.GOVHUB_APP_CLIENT_ID else None
        state = request.GET.get("state") or ""
        saved = client.framework.get_state_data(request.session, state) if (
            client and state) else None
        if client is None or not saved:
            return self._failed(request, _("This sign-in has expired or was not started "
                                           "here. Please sign in again."))
        if "error" in request.GET or "code" not in request.GET:
            client.framework.clear_state_data(request.session, state)  # used once
            return self._failed(request, _("The sign-in was not completed. Please try again."))
        try:
            token = client.authorize_access_token(request)  # clears the state: used once
            claims = token.get("userinfo")
            if not claims:  # no verified ID token: nothing says who signed in
                raise ValueError("no ID token")
        except (outbound_http.OutboundHttpError, ValueError, AuthlibBaseError, JoseError,
                KeyError, RuntimeError):
            return self._failed(request, _("The sign-in could not be checked. Please try "
                                           "again in a moment."))
        request.session[SIGNED_IN_KEY] = {key: claims.get(key) for key in
                                          ("sub", "sid", "acr", "amr", "auth_time")}
        return HttpResponseRedirect(saved.get("next_url") or "/")

    def _failed(self, request: HttpRequest, message: str) -> HttpResponse:
        return render(request, "portal/app_sign_in_failed.html", {"message": message},
                      status=400)
