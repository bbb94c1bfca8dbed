"""Sign-in with VNeID: /login/vneid/ sends the browser to the national e-ID, and
/login/vneid/callback/ brings the answer back. Thin views: the protocol is in
:mod:`govhub.identity.federation.vneid`, the writes in ``services.federation``."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from govhub.identity.federation import vneid as federation
from govhub.identity.federation.services.vneid_accounts import (
    AccountDisabledError,
    end_upstream_sessions,
    record_upstream_session,
    sign_in_with_vneid,
)
from govhub.identity.federation.vneid import FederationError
from govhub.identity.sign_in.flow import complete_sign_in
from govhub.identity.sso.assurance import SESSION_SID_KEY
from govhub.kernel import problems
from govhub.kernel.errors import problem_response

log = logging.getLogger(__name__)

# reason → (HTTP status, title, what happened and what to do). Never a 500: the national
# e-ID is outside the province's control and fails at times (docs/vietnam.md).
PAGES = {
    FederationError.NOT_CONFIGURED: (
        503, _("Sign-in with VNeID is not available"),
        _("This installation is not connected to VNeID. Sign in with your username and "
          "password, or ask the administrators to set up VNeID.")),
    FederationError.CANCELLED: (
        400, _("Sign-in with VNeID was cancelled"),
        _("VNeID did not share your identity with govhub, so you are not signed in.")),
    FederationError.INVALID_STATE: (
        400, _("This sign-in has expired"),
        _("The answer from VNeID does not match a sign-in started in this browser, or it "
          "was already used. For your safety, start again.")),
    FederationError.UNAVAILABLE: (
        502, _("VNeID is not responding"),
        _("The national e-ID service did not answer in time. You are not signed in; "
          "please try again in a moment.")),
    FederationError.UPSTREAM_DOWN: (
        503, _("VNeID is temporarily not responding"),
        _("The national e-ID service cannot be reached right now, so govhub did not send "
          "you there. Sign in another way, or try VNeID again in a few minutes.")),
    FederationError.INVALID_RESPONSE: (
        502, _("The answer from VNeID could not be verified"),
        _("govhub could not verify the answer from VNeID, so you are not signed in. Try "
          "again; if it keeps happening, tell the administrators.")),
    FederationError.ACCOUNT_DISABLED: (
        403, _("This account is disabled"),
        _("The account linked to your personal identification number is disabled. "
          "Contact the administrators of your commune.")),
}


def error_page(request: HttpRequest, error: FederationError) -> HttpResponse:
    status, title, message = PAGES[error.reason]
    query = "?" + urlencode({"next": error.next_url}) if error.next_url else ""
    retry_url, login_url, phone_url = (reverse(name) + query
                                       for name in ("vneid-login", "login", "login-phone"))
    # What failed, for the operators; the upstream's answer may carry personal data, so
    # only the reason and the exception's kind are logged.
    log.warning("VNeID sign-in failed: %s", error)
    return TemplateResponse(request, "identity/vneid_error.html", {
        "reason": error.reason, "title": title, "message": message,
        "retry_url": retry_url if error.reason != FederationError.NOT_CONFIGURED else None,
        "login_url": login_url, "phone_url": phone_url,
    }, status=status)


def _configuration(request: HttpRequest) -> federation.FederationConfig:
    config = federation.configuration()
    if config is None:
        raise FederationError(FederationError.NOT_CONFIGURED)
    return config


@method_decorator(never_cache, name="dispatch")
class VneidSignInView(View):
    """Start: PKCE, state and nonce go into the session, the browser goes to VNeID."""

    def get(self, request: HttpRequest) -> HttpResponse:
        next_url = request.GET.get("next") or None
        try:
            return federation.begin(request, _configuration(request), next_url)
        except FederationError as error:
            return error_page(request, error)


@method_decorator(never_cache, name="dispatch")
class VneidCallbackView(View):
    """Finish: verify VNeID's answer, find or create the account, sign in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            result = federation.finish(request, _configuration(request))
        except FederationError as error:
            return error_page(request, error)
        try:
            account = sign_in_with_vneid(identity=result.identity)
        except AccountDisabledError:
            return error_page(request, FederationError(
                FederationError.ACCOUNT_DISABLED, next_url=result.next_url))
        except (ValidationError, DatabaseError) as failure:
            # e.g. two first sign-ins of one person at once: the second finds the account
            # when the person tries again.
            return error_page(request, FederationError(
                FederationError.INVALID_RESPONSE, type(failure).__name__,
                next_url=result.next_url))
        response = complete_sign_in(request, account, amr=result.amr, acr=result.acr,
                                    next_url=result.next_url)
        sid = request.session.get(SESSION_SID_KEY)
        if sid and request.user.is_authenticated and result.upstream_sid:
            # Signed in now (not waiting for govhub's second factor): the upstream's
            # session is kept with this one for its back-channel logout.
            record_upstream_session(sid=sid, upstream_sid=result.upstream_sid)
        return response


@method_decorator(csrf_exempt, name="dispatch")  # server to server, authenticated by the JWS
@method_decorator(never_cache, name="dispatch")
class VneidBackchannelLogoutView(View):
    """The upstream's back-channel logout (OpenID Connect Back-Channel Logout 1.0 §2.5):
    a signed logout token naming the upstream session; the govhub sessions that came from
    it end. 200 when done, 400 when the token is refused (§2.8)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        config = federation.configuration()
        if config is None:
            return problem_response(request, problems.NOT_FOUND)
        try:
            upstream_sid = federation.verify_logout_token(
                config, request.POST.get("logout_token") or "")
        except federation.LogoutTokenError as error:
            log.warning("VNeID logout token refused: %s", error)
            return problem_response(request, problems.MALFORMED,
                                    detail="The logout token was refused.")
        ended = end_upstream_sessions(upstream_sid=upstream_sid)
        log.info("VNeID back-channel logout ended %d session(s)", ended)
        return HttpResponse(status=200)
