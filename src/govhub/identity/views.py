"""Sign-in pages and the OpenID Connect endpoints govhub adds to django-oauth-toolkit."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from oauth2_provider.views import AuthorizationView
from oauth2_provider.views.oidc import ConnectDiscoveryInfoView

from govhub.identity.login_flow import complete_sign_in
from govhub.identity.oidc import CLAIM_SCOPES, SCOPES
from govhub.identity.services.sign_in import ACR_VALUES, SESSION_SID_KEY
from govhub.identity.signing_keys import public_jwks


class SignInView(auth_views.LoginView):
    """Officials' (and citizens') password sign-in: the first factor, "pwd" (RFC 8176)."""

    template_name = "identity/sign_in.html"

    def form_valid(self, form: Any) -> HttpResponse:
        return complete_sign_in(self.request, form.get_user(), amr=["pwd"],
                                next_url=self.get_redirect_url())


class SignOutView(auth_views.LogoutView):
    template_name = "identity/signed_out.html"


class AuthorizeView(AuthorizationView):
    """DOT's authorization endpoint, in govhub's look, that ties each code to the browser's
    sign-in session (so the ID token can carry ``sid``/``acr``/``amr``)."""

    template_name = "identity/authorize.html"

    def create_authorization_response(self, request: HttpRequest, scopes: Any,
                                      credentials: dict[str, Any], allow: bool) -> Any:
        credentials = {**credentials, "govhub_sid": request.session.get(SESSION_SID_KEY)}
        return super().create_authorization_response(request, scopes, credentials, allow)


class DiscoveryView(ConnectDiscoveryInfoView):
    """OpenID Connect Discovery 1.0 §3, with what DOT leaves out: revocation (RFC 7009) and
    introspection (RFC 7662) endpoints, the acr values and every claim govhub releases."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            revocation_endpoint=self._get_endpoint_url(request, "revoke-token"),
            introspection_endpoint=self._get_endpoint_url(request, "introspect"),
            grant_types_supported=["authorization_code", "refresh_token",
                                   "client_credentials"],
            acr_values_supported=list(ACR_VALUES),
            claims_supported=sorted({"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce",
                                     "sid", "acr", "amr", *CLAIM_SCOPES}),
            scopes_supported=list(SCOPES),
            ui_locales_supported=["vi", "en"],
            # OpenID Connect Back-Channel Logout 1.0 §2.1
            backchannel_logout_supported=True,
            backchannel_logout_session_supported=True,
        )
        discovery = JsonResponse(data)
        discovery["Access-Control-Allow-Origin"] = "*"
        return discovery


@method_decorator(never_cache, name="dispatch")
class JwksView(View):
    """The JSON Web Key Set: the signing key and every rotated key still in use."""

    def get(self, request: HttpRequest) -> HttpResponse:
        response = JsonResponse(public_jwks())
        response["Access-Control-Allow-Origin"] = "*"
        return response
