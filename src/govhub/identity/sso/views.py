"""The OpenID Connect endpoints govhub adds to django-oauth-toolkit: authorization, discovery,
JWKS and introspection."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from typing import Any
from urllib.parse import urlencode

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
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.signals import app_authorized
from oauth2_provider.views import AuthorizationView, IntrospectTokenView, TokenView
from oauth2_provider.views.oidc import ConnectDiscoveryInfoView

from govhub.identity.models import Client, SignInSession
from govhub.identity.sso.assurance import (
    ACR_LEVEL_2,
    ACR_VALUES,
    REQUIRED_ACR_SESSION_KEY,
    SESSION_SID_KEY,
)
from govhub.identity.sso.form_action import allow_forms_to_reach
from govhub.identity.sso.oidc import SILENT_CONSENT_META_KEY, SILENT_LOGIN_META_KEY
from govhub.identity.sso.scopes import CLAIM_SCOPES, SCOPES
from govhub.identity.sso.services import consents
from govhub.identity.sso.signing_keys import current_signing_jwk, public_jwks

# How clients authenticate at the token, revocation and introspection endpoints (RFC 6749
# §2.3.1; DOT's validator reads HTTP Basic or the request body).
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class AuthorizeView(AuthorizationView):
    """DOT's authorization endpoint, in govhub's look, that ties each code to the browser's
    sign-in session (so the ID token can carry ``sid``/``acr``/``amr``), answers
    ``prompt=none`` without a page and honours ``max_age``."""

    template_name = "identity/authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        prompt = set(request.GET.get("prompt", "").split())
        request.META.pop(SILENT_CONSENT_META_KEY, None)
        request.META.pop(SILENT_LOGIN_META_KEY, None)
        if not request.user.is_authenticated and request.method == "GET":
            # RFC 6749 §4.1.2.1: an unknown client or redirect URI is shown to the person at
            # once, not after they typed a password; any other error of a request that
            # can be answered goes back to the app straight away (prompt=none included).
            try:
                self.validate_authorization_request(request)
            except OAuthToolkitError as error:
                return self.error_response(error, self._client_of(request))
        step_up = (ACR_LEVEL_2 in request.GET.get("acr_values", "").split()
                   and self._session_acr(request) != ACR_LEVEL_2)
        stale = request.user.is_authenticated and self._older_than_max_age(request)
        if request.user.is_authenticated and not stale and not step_up:
            request.META[SILENT_LOGIN_META_KEY] = "1"
        if "none" in prompt and request.user.is_authenticated and self._consent_covers(request):
            request.META[SILENT_CONSENT_META_KEY] = "1"
        if step_up:
            # OIDC Core §3.1.2.1 acr_values (step-up): the app needs a level-2 sign-in;
            # the next sign-in must reach it before a code is issued.
            request.session[REQUIRED_ACR_SESSION_KEY] = ACR_LEVEL_2
            if "none" in prompt:
                return self._login_required(request)
            if request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(),
                                         resolve_url(self.get_login_url()))
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
        """The consent screen was answered; "Allow" is recorded (Law 91/2025: consent)."""
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
        # The consent form's answer goes back to the app's redirect URI (CSP form-action);
        # an error page leads nowhere.
        return allow_forms_to_reach(super().render_to_response(context, **kwargs),
                                    None if context.get("error") else application)

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
            return self.error_response(error, self._client_of(request))
        query = {"error": "login_required"}
        if credentials.get("state"):
            query["state"] = credentials["state"]
        separator = "&" if "?" in credentials["redirect_uri"] else "?"
        application = Client.objects.get(client_id=credentials["client_id"])
        return self.redirect(credentials["redirect_uri"] + separator + urlencode(query),
                             application)

    @staticmethod
    def _client_of(request: HttpRequest) -> Client | None:
        return Client.objects.filter(client_id=request.GET.get("client_id", "")).first()

    @classmethod
    def _consent_covers(cls, request: HttpRequest) -> bool:
        client = cls._client_of(request)
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

    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        """RFC 9207 §2: every authorization response names the issuer, "including error
        responses" — DOT adds it to codes only. Every redirect of this view goes to the
        client's (validated) redirect URI."""
        return super().redirect(with_issuer(redirect_to, self.request), application)

    def create_authorization_response(self, request: HttpRequest, scopes: Any,
                                      credentials: dict[str, Any], allow: bool) -> Any:
        credentials = {**credentials, "govhub_sid": request.session.get(SESSION_SID_KEY)}
        return super().create_authorization_response(request, scopes, credentials, allow)


def with_issuer(uri: str, request: HttpRequest) -> str:
    """``uri`` with the ``iss`` parameter (RFC 9207) beside the response's other parameters:
    in the fragment when the response is there (response_mode=fragment), else the query."""
    issuer = oauth2_settings.oauth2_authorization_server_issuer(request)
    parts = urllib.parse.urlsplit(uri)
    in_fragment = bool(parts.fragment)
    carried = urllib.parse.parse_qsl(parts.fragment if in_fragment else parts.query,
                                     keep_blank_values=True)
    carried = [(name, value) for name, value in carried if name != "iss"] + [("iss", issuer)]
    if in_fragment:
        return urllib.parse.urlunsplit(parts._replace(fragment=urlencode(carried)))
    return urllib.parse.urlunsplit(parts._replace(query=urlencode(carried)))


class DiscoveryView(ConnectDiscoveryInfoView):
    """OpenID Connect Discovery 1.0 §3, with what DOT leaves out: revocation (RFC 7009) and
    introspection (RFC 7662) endpoints and how clients authenticate there, the response
    modes, the acr values and every claim govhub releases. Served at both well-known URIs:
    an OpenID Provider's metadata is a superset of RFC 8414's, and one document keeps the
    two from disagreeing (RFC 8414 §3.3: the same issuer)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            id_token_signing_alg_values_supported=["RS256"],
            revocation_endpoint=self._get_endpoint_url(request, "revoke-token"),
            introspection_endpoint=self._get_endpoint_url(request, "introspect"),
            grant_types_supported=["authorization_code", "refresh_token",
                                   "client_credentials"],
            # oauthlib answers in the query by default and in the fragment when asked;
            # both carry iss (RFC 9207).
            response_modes_supported=["query", "fragment"],
            # RFC 7009 §2.1: a public client revokes its own token with its client_id alone.
            revocation_endpoint_auth_methods_supported=[*TOKEN_AUTH_METHODS, "none"],
            # IntrospectView answers confidential clients only (RFC 7662 §4).
            introspection_endpoint_auth_methods_supported=list(TOKEN_AUTH_METHODS),
            # RFC 8414 §2: where developers read how to use the provider (the API's pages
            # say how its bearer tokens are obtained; clients are registered by an agency's
            # administrators, not dynamically).
            service_documentation=self._site_url(request, "/api/docs"),
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

    @staticmethod
    def _site_url(request: HttpRequest, path: str) -> str:
        issuer = oauth2_settings.oidc_issuer(request)
        return f"{issuer.rstrip('/')}{path}"


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
