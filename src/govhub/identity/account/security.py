"""Bảo mật tài khoản (account security): a signed-in person lists, adds and removes their
second factors and renews their backup codes. Writes go through
:mod:`govhub.identity.second_factor.services.factors`, which refuses to remove the last factor
of an account whose role requires one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from govhub.identity.models import Account, AuthenticatorApp, Passkey, SignInSession
from govhub.identity.second_factor import methods as second_factor
from govhub.identity.second_factor import passkeys
from govhub.identity.second_factor.forms import AppCodeForm
from govhub.identity.second_factor.services import factors
from govhub.identity.sign_in.second_step import (
    confirm_app,
    json_problem,
    read_json,
    remember_new_codes,
    setup_context,
)
from govhub.identity.sso.assurance import SESSION_SID_KEY


def _account(request: HttpRequest) -> Account:
    assert isinstance(request.user, Account)  # login_required ran first
    return request.user


def _security_url() -> str:
    return reverse("account-security")


# OWASP ASVS 4.0 V3.7.1: re-authenticate before sensitive account changes. Taking a second
# factor away (or replacing the backup codes) from a browser left signed in for long would let
# whoever sits at it weaken the account; a sign-in older than this is asked again.
FRESH_SIGN_IN_SECONDS = 10 * 60


def _signed_in_recently(request: HttpRequest) -> bool:
    session = SignInSession.objects.filter(sid=request.session.get(SESSION_SID_KEY),
                                           ended_at__isnull=True).first()
    return session is not None and (
        timezone.now() - session.authenticated_at).total_seconds() <= FRESH_SIGN_IN_SECONDS


def fresh_sign_in_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send a person whose sign-in is older than ten minutes to sign in again, then back to
    this page to repeat the change (a POST is never replayed)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _signed_in_recently(request):
            messages.info(request, _("For your account's safety, sign in again, then repeat "
                                     "this change."))
            return redirect_to_login(_security_url())
        return view(request, *args, **kwargs)

    return guarded


def _after_adding(request: HttpRequest, codes: list[str] | None, message: str) -> str:
    """Where to go once a factor is added: the new backup codes first, if any."""
    if codes:
        return remember_new_codes(request, codes, _security_url())
    messages.success(request, message)
    return _security_url()


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    return render(request, "identity/account_security.html", {
        "account": account, **second_factor.summary(account),
        "is_required": second_factor.role_requires_second_factor(account),
    })


@never_cache
@login_required
def authenticator_app(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = confirm_app(request, account, form)
        except ValidationError as error:
            form.add_error("code", error.message_dict.get("code", error.messages))
        else:
            return HttpResponseRedirect(_after_adding(
                request, codes, _("The authenticator app is set up.")))
    return render(request, "identity/account_security_app.html", {
        "account": account, "form": form,
        "replaces": AuthenticatorApp.objects.filter(account=account).exists(),
        **setup_context(request, account),
    }, status=400 if form.errors else 200)


@require_POST
@login_required
@fresh_sign_in_required
def remove_authenticator_app(request: HttpRequest) -> HttpResponse:
    try:
        factors.remove_authenticator_app(actor=request.user, account=_account(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The authenticator app was removed."))
    return HttpResponseRedirect(_security_url())


@never_cache
@require_POST
@login_required
def passkey_options(request: HttpRequest) -> HttpResponse:
    return HttpResponse(passkeys.registration_options(request, _account(request)),
                        content_type="application/json")


@never_cache
@require_POST
@login_required
def passkey_register(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    body = read_json(request)
    try:
        credential = passkeys.verify_registration(request, account, body.get("credential"))
    except passkeys.PasskeyError:
        return json_problem(_("The passkey could not be created. Try again."))
    passkey, codes = factors.register_passkey(actor=account, account=account,
                                               credential=credential,
                                               nickname=str(body.get("nickname") or ""))
    return JsonResponse({"redirect": _after_adding(
        request, codes, _("The passkey “%(name)s” was added.") % {"name": passkey.nickname})})


@require_POST
@login_required
@fresh_sign_in_required
def remove_passkey(request: HttpRequest, passkey_id: uuid.UUID) -> HttpResponse:
    passkey = get_object_or_404(Passkey, pk=passkey_id, account=_account(request))
    try:
        factors.remove_passkey(actor=request.user, passkey=passkey)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The passkey “%(name)s” was removed.")
                         % {"name": passkey.nickname})
    return HttpResponseRedirect(_security_url())


@require_POST
@login_required
@fresh_sign_in_required
def regenerate_backup_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = factors.regenerate_backup_codes(actor=request.user, account=_account(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(_security_url())
    return HttpResponseRedirect(remember_new_codes(request, codes, _security_url()))
