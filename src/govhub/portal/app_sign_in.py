"""The citizen app signs in as an OpenID Connect client of govhub's own provider (ADR 0015).

Authorization code flow with PKCE S256 (RFC 7636), ``state`` and ``nonce``, through the same
``/o/authorize/`` every provincial app uses. The code is exchanged by the app's server side —
a backend-for-frontend (draft-ietf-oauth-browser-based-apps §6.1) — so no token ever reaches
the page's JavaScript, and the ID token is checked as any relying party must (OIDC Core
§3.1.3.7) against the provider's published keys, fetched over HTTP like any other client
does. Two modes: a citizen signs in as the provider offers (password, SMS code, VNeID); an
official asks for ``acr_values=urn:govhub:loa:2``, so the provider demands the second factor
(ADR 0015). Without ``GOVHUB_APP_CLIENT_ID`` the app sends people to the sign-in page itself.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from govhub.identity.sign_in.flow import safe_next
from govhub.identity.sso.assurance import ACR_LEVEL_2

PENDING_KEY = "govhub_app_pending_sign_in"
SIGNED_IN_KEY = "govhub_app_sign_in"
SCOPES = "openid profile phone commune"
TIMEOUT_SECONDS = 5.0


def _issuer() -> str:
    return str(settings.GOVHUB_PUBLIC_URL).rstrip("/")


def redirect_uri() -> str:
    return f"{_issuer()}/app/callback"


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class AppSignInView(View):
    """``/app/login/?next=…&mode=official``: start the code flow."""

    def get(self, request: HttpRequest) -> HttpResponse:
        next_url = safe_next(request, request.GET.get("next"))
        client_id = settings.GOVHUB_APP_CLIENT_ID
        if not client_id:
            return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
        pending = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
                   "verifier": secrets.token_urlsafe(48), "next": next_url}
        request.session[PENDING_KEY] = pending
        params = {"response_type": "code", "client_id": client_id,
                  "redirect_uri": redirect_uri(), "scope": SCOPES, "state": pending["state"],
                  "nonce": pending["nonce"], "code_challenge": _s256(pending["verifier"]),
                  "code_challenge_method": "S256"}
        if request.GET.get("mode") == "official":
            params["acr_values"] = ACR_LEVEL_2  # officials: the second factor, always
        return HttpResponseRedirect(
            f"{reverse('oauth2_provider:authorize')}?{urlencode(params)}")


class AppCallbackView(View):
    """``/app/callback``: check ``state``, exchange the code with the PKCE verifier, verify
    the ID token, remember the sign-in for the app, go back to where the person was."""

    def get(self, request: HttpRequest) -> HttpResponse:
        pending = request.session.pop(PENDING_KEY, None)
        if not pending or request.GET.get("state") != pending.get("state"):
            return self._failed(request, _("This sign-in has expired or was not started "
                                           "here. Please sign in again."))
        if "error" in request.GET or "code" not in request.GET:
            return self._failed(request, _("The sign-in was not completed. Please try again."))
        try:
            claims = self._exchange(request.GET["code"], pending)
        except (requests.RequestException, ValueError, JoseError, KeyError):
            return self._failed(request, _("The sign-in could not be checked. Please try "
                                           "again in a moment."))
        request.session[SIGNED_IN_KEY] = {key: claims.get(key) for key in
                                          ("sub", "sid", "acr", "amr", "auth_time")}
        return HttpResponseRedirect(pending["next"])

    def _exchange(self, code: str, pending: dict[str, Any]) -> dict[str, Any]:
        client_id = str(settings.GOVHUB_APP_CLIENT_ID)
        answer = requests.post(f"{_issuer()}/o/token/", timeout=TIMEOUT_SECONDS, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(),
            "client_id": client_id, "code_verifier": pending["verifier"]})
        answer.raise_for_status()
        keys = requests.get(f"{_issuer()}/o/.well-known/jwks.json", timeout=TIMEOUT_SECONDS)
        keys.raise_for_status()
        token = jwt.decode(answer.json()["id_token"], KeySet.import_key_set(keys.json()),
                           algorithms=["RS256"])
        # OIDC Core §3.1.3.7: issuer, audience, expiry; §3.1.2.1: the nonce we sent.
        jwt.JWTClaimsRegistry(iss={"essential": True, "value": _issuer()},
                              aud={"essential": True, "value": client_id},
                              nonce={"essential": True, "value": pending["nonce"]},
                              exp={"essential": True}).validate(token.claims)
        return dict(token.claims)

    def _failed(self, request: HttpRequest, message: str) -> HttpResponse:
        return render(request, "portal/app_sign_in_failed.html", {"message": message},
                      status=400)
