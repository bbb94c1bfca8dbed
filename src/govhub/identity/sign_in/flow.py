"""How a sign-in completes, whatever proved who the person is (password, a one-time code
to a phone, VNeID, …). Every first-factor view ends by calling :func:`complete_sign_in`;
Django's login then fires, and the sign-in session records ``amr`` and ``acr``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from govhub.identity.models import Account, SignInSession
from govhub.identity.second_factor import methods as second_factor
from govhub.identity.sign_in import pending as pending_sign_in
from govhub.identity.sso.assurance import (
    ACR_LEVEL_1,
    ACR_LEVEL_2,
    REQUIRED_ACR_SESSION_KEY,
    SESSION_SID_KEY,
)
from govhub.identity.sso.services.sign_in import end_sign_in

# Set on the request for govhub.identity.signals.on_logged_in to read.
AMR_ATTRIBUTE = "govhub_amr"
ACR_ATTRIBUTE = "govhub_acr"
BACKEND = "govhub.identity.sign_in.backends.AccountBackend"


def safe_next(request: HttpRequest, next_url: str | None) -> str:
    """Only this site's own URLs (an open redirect would let a phishing page borrow
    govhub's name)."""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def complete_sign_in(request: HttpRequest, account: Account, *, amr: list[str],
                     acr: str = ACR_LEVEL_1, next_url: str | None = None,
                     second_factor_given: bool = False) -> HttpResponse:
    """Log ``account`` in, or first ask for its second factor.

    A one-factor sign-in by an account that must (or chose to) use a second
    factor, or that an app asked to reach level 2 (step-up, acr_values), waits in the session
    for it; nobody is logged in until it is given, and the second-factor views call this
    again with ``second_factor_given``. Only that step counts — not an upstream's amr: a
    level-2 VNeID sign-in proves who the person is, but administrative work asks for a
    factor govhub itself checks (officials need a second factor, docs/vietnam.md).
    """
    step_up = (request.session.get(REQUIRED_ACR_SESSION_KEY) == ACR_LEVEL_2
               and acr != ACR_LEVEL_2)
    if not second_factor_given and (step_up or second_factor.is_second_factor_due(account)):
        pending_sign_in.begin(request, account, amr=amr, next_url=safe_next(request, next_url))
        return HttpResponseRedirect(reverse("second-factor"))
    request.session.pop(REQUIRED_ACR_SESSION_KEY, None)
    previous_sid = request.session.get(SESSION_SID_KEY)
    setattr(request, AMR_ATTRIBUTE, amr)
    setattr(request, ACR_ATTRIBUTE, acr)
    auth.login(request, account, backend=BACKEND)
    _end_replaced_session(previous_sid, account)
    return HttpResponseRedirect(safe_next(request, next_url))


def _end_replaced_session(previous_sid: str | None, account: Account) -> None:
    """Signing in again in the same browser (prompt=login, max_age, another account)
    replaces the browser's sign-in session: the old one ends, so its apps are told and
    their tokens revoked, instead of staying open with nobody able to sign it out."""
    if not previous_sid:
        return
    previous = SignInSession.objects.filter(sid=previous_sid, ended_at__isnull=True).first()
    if previous is not None:
        end_sign_in(actor=account, sign_in_session=previous, keep_browser_session=True)
