"""Sign-in pages and the OpenID Connect endpoints govhub adds to django-oauth-toolkit."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import AccessToken
from oauth2_provider.signals import app_authorized
from oauth2_provider.views import AuthorizationView, IntrospectTokenView, TokenView
from oauth2_provider.views.oidc import ConnectDiscoveryInfoView

from govhub.identity import sms
from govhub.identity.login_flow import REQUIRED_ACR_SESSION_KEY, complete_sign_in
from govhub.identity.models import Client, SignInSession
from govhub.identity.oidc import CLAIM_SCOPES, SCOPES, SILENT_CONSENT_META_KEY
from govhub.identity.services import consents
from govhub.identity.services.sign_in import ACR_LEVEL_2, ACR_VALUES, SESSION_SID_KEY
from govhub.identity.signing_keys import current_signing_jwk, public_jwks


class SignInView(auth_views.LoginView):
    """Officials' (and citizens') password sign-in: the first factor, "pwd" (RFC 8176)."""

    template_name = "identity/sign_in.html"

    def form_valid(self, form: Any) -> HttpResponse:
        return complete_sign_in(self.request, form.get_user(), amr=["pwd"],
                                next_url=self.get_redirect_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # Offer the phone code only where an SMS gateway is configured (like VNeID's
        # button), rather than a link that always ends in "could not send".
        return {**super().get_context_data(**kwargs), "phone_sign_in": sms.is_configured()}


class SignOutView(auth_views.LogoutView):
    template_name = "identity/signed_out.html"


class AuthorizeView(AuthorizationView):
    """DOT's authorization endpoint, in govhub's look, that ties each code to the browser's
    sign-in session (so the ID token can carry ``sid``/``acr``/``amr``), answers
    ``prompt=none`` without a page and honours ``max_age``."""

    template_name = "identity/authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        prompt = set(request.GET.get("prompt", "").split())
        request.META.pop(SILENT_CONSENT_META_KEY, None)
        if "none" in prompt and request.user.is_authenticated and self._consent_covers(request):
            request.META[SILENT_CONSENT_META_KEY] = "1"
        if ACR_LEVEL_2 in request.GET.get("acr_values", "").split() and \
                self._session_acr(request) != ACR_LEVEL_2:
            # OIDC Core §3.1.2.1 acr_values (step-up): the app needs a level-2 sign-in;
            # the next sign-in must reach it before a code is issued.
            request.session[REQUIRED_ACR_SESSION_KEY] = ACR_LEVEL_2
            if "none" in prompt:
                return self._login_required(request)
            if request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(),
                                         resolve_url(self.get_login_url()))
        stale = request.user.is_authenticated and self._older_than_max_age(request)
        if "none" in prompt and (not request.user.is_authenticated or stale):
            return self._login_required(request)
        if stale:
            # OIDC Core §3.1.2.1: past max_age the user must authenticate again. The way
            # back drops max_age: the fresh sign-in satisfies it (max_age=0 would loop).
            again = request.GET.copy()
            again.pop("max_age", None)
            return redirect_to_login(f"{request.path}?{again.urlencode()}",
                                     resolve_url(self.get_login_url()))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        """The consent screen was answered; "Allow" is recorded (issue 3 §5)."""
        response = super().form_valid(form)
        if form.cleaned_data.get("allow") and "code=" in response.get("Location", ""):
            client = Client.objects.get(client_id=form.cleaned_data["client_id"])
            consents.record_consent(actor=self.request.user,
                                    client=client,
                                    scopes=form.cleaned_data.get("scope", "").split())
        return response

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        """DOT shows the consent screen here; a consent already given for these scopes
        answers it (unless the app asks again with prompt=consent)."""
        application = context.get("application")
        scopes = context.get("scopes") or []
        prompt = set(self.request.GET.get("prompt", "").split())
        if (application is not None and not context.get("error") and "consent" not in prompt
                and self.request.user.is_authenticated):
            consent = consents.active_consent(self.request.user,
                                              application)
            if consent is not None and consent.covers(scopes):
                return self._approve_silently(application, scopes)
        return super().render_to_response(context, **kwargs)

    def _approve_silently(self, application: Client, scopes: list[str]) -> HttpResponse:
        data = self.oauth2_data
        credentials = {key: data[key] for key in (
            "client_id", "redirect_uri", "response_type", "state", "code_challenge",
            "code_challenge_method", "nonce") if data.get(key)}
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=self.request, scopes=" ".join(scopes), credentials=credentials,
                allow=True)
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        return self.redirect(uri, application)

    def _login_required(self, request: HttpRequest) -> HttpResponse:
        """OIDC Core §3.1.2.6: prompt=none with nobody signed in is an error sent back to
        the (validated) redirect URI, never a sign-in page."""
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        query = {"error": "login_required"}
        if credentials.get("state"):
            query["state"] = credentials["state"]
        separator = "&" if "?" in credentials["redirect_uri"] else "?"
        application = Client.objects.get(client_id=credentials["client_id"])
        return self.redirect(credentials["redirect_uri"] + separator + urlencode(query),
                             application)

    @staticmethod
    def _consent_covers(request: HttpRequest) -> bool:
        client = Client.objects.filter(client_id=request.GET.get("client_id", "")).first()
        if client is None:
            return False
        consent = consents.active_consent(request.user, client)  # type: ignore[arg-type]
        return consent is not None and consent.covers(request.GET.get("scope", "").split())

    @staticmethod
    def _session_acr(request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        session = SignInSession.objects.filter(sid=request.session.get(SESSION_SID_KEY),
                                               ended_at__isnull=True).first()
        return session.acr if session else None

    @staticmethod
    def _older_than_max_age(request: HttpRequest) -> bool:
        try:
            max_age = max(0, int(request.GET["max_age"]))
        except (KeyError, ValueError):
            return False
        session = SignInSession.objects.filter(sid=request.session.get(SESSION_SID_KEY)).first()
        if session is None:
            return True
        return (timezone.now() - session.authenticated_at).total_seconds() > max_age

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
            id_token_signing_alg_values_supported=["RS256"],
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
        current_signing_jwk()  # a new installation publishes its first key straight away
        response = JsonResponse(public_jwks())
        response["Access-Control-Allow-Origin"] = "*"
        return response


class TokenEndpointView(TokenView):
    """DOT's token endpoint without its read-back of each token it has just stored: DOT loads
    the token again only to pass it to the ``app_authorized`` signal, which nothing in govhub
    receives; that query was a fifth of the client-credentials path's database work."""

    @method_decorator(sensitive_post_parameters("password", "client_secret"))
    def authorization_flow_token_response(self, request: HttpRequest, *args: Any,
                                          **kwargs: Any) -> HttpResponse:
        if app_authorized.has_listeners(sender=self):
            return super().authorization_flow_token_response(request, *args, **kwargs)
        _url, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


class IntrospectView(IntrospectTokenView):
    """RFC 7662 token introspection, limited as its §4 advises: a client learns about its
    own tokens only (for any other token the answer is simply inactive), and the answer
    names the subject by id, not by username (personal data minimised, Law 91/2025)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._answer(request, request.POST.get("token"))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._answer(request, request.GET.get("token"))

    def _answer(self, request: HttpRequest, token_value: str | None) -> HttpResponse:
        if token_value is None:
            return JsonResponse({"error": "invalid_request",
                                 "error_description": "Token parameter is missing."},
                                status=400)
        token = _access_token(token_value)
        requester = _requesting_client_id(request)
        # A public client proves nothing by naming its client_id, so only confidential
        # clients (or a bearer token's own client) may learn about a token.
        if (token is None or not token.is_valid() or token.application is None
                or token.application.client_id != requester
                or token.application.client_type != Client.CLIENT_CONFIDENTIAL):
            return JsonResponse({"active": False})
        data: dict[str, Any] = {"active": True, "scope": token.scope,
                                "exp": int(token.expires.timestamp()),
                                "client_id": token.application.client_id}
        if token.user_id is not None:
            data["sub"] = str(token.user_id)
        if token.resource:  # RFC 8707 audience binding, as DOT reports it
            data["aud"] = token.resource
        return JsonResponse(data)


def _access_token(value: str) -> AccessToken | None:
    """DOT stores access tokens by SHA-256 checksum."""
    return AccessToken.objects.select_related("application").filter(
        token_checksum=hashlib.sha256(value.encode()).hexdigest()).first()


def _requesting_client_id(request: HttpRequest) -> str | None:
    """Who is asking: HTTP Basic client authentication, a client_id in the body, or the
    client of the bearer token (DOT has already checked whichever was used)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return urllib.parse.unquote_plus(decoded.split(":", 1)[0])
    if scheme.lower() == "bearer":
        token = _access_token(value)
        return token.application.client_id if token and token.application else None
    return request.POST.get("client_id")
