"""The second step of a sign-in: a code from an authenticator app, a passkey,
or a backup code; and setting one up when an account must have one but has none yet.

Each view reads the pending sign-in (:mod:`govhub.identity.sign_in.pending`) and ends in
:func:`govhub.identity.sign_in.flow.complete_sign_in` with ``acr`` level 2. Messages never
say more than "not correct": the password was already checked, and the same words serve
a wrong, reused or spent code alike.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from govhub.identity.models import Account
from govhub.identity.second_factor import methods as second_factor
from govhub.identity.second_factor import passkeys
from govhub.identity.second_factor.forms import AppCodeForm, BackupCodeForm
from govhub.identity.second_factor.services import factors
from govhub.identity.sign_in import pending as pending_sign_in
from govhub.identity.sign_in.flow import complete_sign_in
from govhub.identity.sign_in.pending import PendingSignIn
from govhub.identity.sso.assurance import ACR_LEVEL_2
from govhub.identity.sso.form_action import allow_forms_to_reach, client_of_authorization

SETUP_SESSION_KEY = "govhub_totp_setup"
NEW_CODES_SESSION_KEY = "govhub_new_backup_codes"
RECOVERED_SESSION_KEY = "govhub_recovered"
RESTART_REASONS = {"expired", "too-many", "locked"}


# --- Shared by the sign-in step and the account security page ------------------------------

def setup_secret(request: HttpRequest, account: Account) -> str:
    """The secret offered while this browser sets up an app (the same one on reload, so a
    scanned QR code stays valid); it is stored only once a code confirms it."""
    waiting = request.session.get(SETUP_SESSION_KEY)
    if isinstance(waiting, dict) and waiting.get("account_id") == str(account.pk):
        return str(waiting["secret"])
    secret = second_factor.new_totp_secret()
    request.session[SETUP_SESSION_KEY] = {"account_id": str(account.pk), "secret": secret}
    return secret


def setup_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    secret = setup_secret(request, account)
    uri = second_factor.provisioning_uri(secret, account)
    return {"otpauth_uri": uri, "qr_code": second_factor.qr_code_data_uri(uri),
            "secret_grouped": second_factor.grouped(secret)}


def confirm_app(request: HttpRequest, account: Account, form: AppCodeForm) -> list[str] | None:
    """Stores the app if the form's code matches the secret shown. Raises ValidationError
    (added to the form by the caller) otherwise."""
    codes = factors.set_up_authenticator_app(
        actor=account, account=account, secret=setup_secret(request, account),
        code=form.cleaned_data["code"])
    request.session.pop(SETUP_SESSION_KEY, None)
    return codes


def remember_new_codes(request: HttpRequest, codes: list[str], next_url: str) -> str:
    """Keeps new backup codes for one showing; returns the page that shows them."""
    request.session[NEW_CODES_SESSION_KEY] = {"codes": codes, "next": next_url}
    return reverse("backup-codes-new")


def read_json(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def json_problem(detail: str, status: int = 400, **extra: Any) -> JsonResponse:
    return JsonResponse({"title": detail, "status": status, **extra}, status=status)


# --- The pending sign-in ---------------------------------------------------------------------

def _restart_url(reason: str, next_url: str) -> str:
    return reverse("second-factor-restart") + "?" + urlencode({"reason": reason,
                                                                "next": next_url})


def _pending(request: HttpRequest) -> tuple[PendingSignIn | None, str]:
    """The pending sign-in, or where to send a browser that must start again."""
    pending = pending_sign_in.current(request)
    if pending is None:
        return None, _restart_url("expired", pending_sign_in.next_url(request))
    if pending_sign_in.is_account_locked(pending.account):
        pending_sign_in.drop(request)
        return None, _restart_url("locked", pending.next_url)
    return pending, ""


def _finish(request: HttpRequest, pending: PendingSignIn, method: str,
            next_url: str | None = None) -> HttpResponse:
    pending_sign_in.drop(request)
    pending_sign_in.clear_failures(pending.account)
    return complete_sign_in(request, pending.account,
                            amr=second_factor.with_second_factor(pending.amr, method),
                            acr=ACR_LEVEL_2, next_url=next_url or pending.next_url,
                            second_factor_given=True)


def _finish_with_codes(request: HttpRequest, pending: PendingSignIn, method: str,
                       codes: list[str] | None) -> HttpResponse:
    if not codes:
        return _finish(request, pending, method)
    response = _finish(request, pending, method, next_url=reverse("backup-codes-new"))
    remember_new_codes(request, codes, pending.next_url)  # after login cycled the session
    return response


def _wrong(request: HttpRequest, pending: PendingSignIn) -> str | None:
    """Counts a wrong answer; the restart URL when that was one too many."""
    if pending_sign_in.record_failure(request, pending):
        return _restart_url("too-many", pending.next_url)
    return None


def _step_page(request: HttpRequest, pending: PendingSignIn, *, app_form: AppCodeForm,
               backup_form: BackupCodeForm, status: int = 200) -> HttpResponse:
    current = pending_sign_in.current(request)
    # Its forms complete the sign-in and go on to the app that asked (CSP form-action).
    return allow_forms_to_reach(render(request, "identity/second_factor.html", {
        "account": pending.account, **second_factor.summary(pending.account),
        "app_form": app_form, "backup_form": backup_form,
        "attempts_left": (current or pending).attempts_left,
    }, status=status), client_of_authorization(pending.next_url))


@never_cache
@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    pending, start_again = _pending(request)
    if pending is None:
        return HttpResponseRedirect(start_again)
    if not second_factor.has_second_factor(pending.account):
        return HttpResponseRedirect(reverse("second-factor-set-up"))
    return _step_page(request, pending, app_form=AppCodeForm(), backup_form=BackupCodeForm())


@never_cache
@require_POST
def verify_app_code(request: HttpRequest) -> HttpResponse:
    pending, start_again = _pending(request)
    if pending is None:
        return HttpResponseRedirect(start_again)
    form = AppCodeForm(request.POST)
    if form.is_valid() and factors.use_authenticator_app(account=pending.account,
                                                          code=form.cleaned_data["code"]):
        return _finish(request, pending, second_factor.AMR_OTP)
    if too_many := _wrong(request, pending):
        return HttpResponseRedirect(too_many)
    form.add_error("code", _("The code is not correct. Enter the code the app shows now."))
    return _step_page(request, pending, app_form=form, backup_form=BackupCodeForm(),
                      status=400)


@never_cache
@require_POST
def verify_backup_code(request: HttpRequest) -> HttpResponse:
    pending, start_again = _pending(request)
    if pending is None:
        return HttpResponseRedirect(start_again)
    form = BackupCodeForm(request.POST)
    left = (factors.use_backup_code(account=pending.account, code=form.cleaned_data["code"])
            if form.is_valid() else None)
    if left is not None:
        response = _finish(request, pending, second_factor.AMR_OTP,
                           next_url=reverse("second-factor-recovered"))
        request.session[RECOVERED_SESSION_KEY] = {"left": left, "next": pending.next_url}
        return response
    if too_many := _wrong(request, pending):
        return HttpResponseRedirect(too_many)
    form.add_error("code", _("The backup code is not correct, or it was already used."))
    return _step_page(request, pending, app_form=AppCodeForm(), backup_form=form, status=400)


@never_cache
@require_POST
def passkey_options(request: HttpRequest) -> HttpResponse:
    pending, start_again = _pending(request)
    if pending is None:
        return json_problem(_("Your sign-in has expired."), redirect=start_again)
    return HttpResponse(passkeys.authentication_options(request, pending.account),
                        content_type="application/json")


@never_cache
@require_POST
def passkey_verify(request: HttpRequest) -> HttpResponse:
    pending, start_again = _pending(request)
    if pending is None:
        return json_problem(_("Your sign-in has expired."), redirect=start_again)
    try:
        assertion = passkeys.verify_assertion(request, pending.account,
                                              read_json(request).get("credential"))
        passkey = factors.use_passkey(assertion=assertion)
    except passkeys.PasskeyError:
        if too_many := _wrong(request, pending):
            return json_problem(_("Too many failed attempts."), redirect=too_many)
        return json_problem(_("This passkey could not be verified. Try again, or use "
                              "another way."))
    method = second_factor.AMR_SOFTWARE_KEY if passkey.is_synced else \
        second_factor.AMR_HARDWARE_KEY
    return JsonResponse({"redirect": _finish(request, pending, method)["Location"]})


@never_cache
@require_GET
def restart(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("reason", "expired")
    next_url = request.GET.get("next", "")
    login_url = reverse("login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    return render(request, "identity/second_factor_restart.html", {
        "reason": reason if reason in RESTART_REASONS else "expired", "login_url": login_url,
        "wait_minutes": pending_sign_in.ACCOUNT_WINDOW_SECONDS // 60,
    })


# --- Setting up a first factor during sign-in -------------------------------------------------

def _pending_without_factor(request: HttpRequest) -> tuple[PendingSignIn | None, str]:
    """Only an account with no factor may set one up on the strength of its password alone;
    anyone else gives the factor they have."""
    pending, start_again = _pending(request)
    if pending is not None and second_factor.has_second_factor(pending.account):
        return None, reverse("second-factor")
    return pending, start_again


@never_cache
def set_up(request: HttpRequest) -> HttpResponse:
    pending, start_again = _pending_without_factor(request)
    if pending is None:
        return HttpResponseRedirect(start_again)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = confirm_app(request, pending.account, form)
        except ValidationError as error:
            form.add_error("code", error.message_dict.get("code", error.messages))
        else:
            return _finish_with_codes(request, pending, second_factor.AMR_OTP, codes)
    return render(request, "identity/second_factor_set_up.html", {
        "account": pending.account, "form": form,
        "is_required": second_factor.role_requires_second_factor(pending.account),
        **setup_context(request, pending.account),
    }, status=400 if form.errors else 200)


@never_cache
@require_POST
def set_up_passkey_options(request: HttpRequest) -> HttpResponse:
    pending, start_again = _pending_without_factor(request)
    if pending is None:
        return json_problem(_("Your sign-in has expired."), redirect=start_again)
    return HttpResponse(passkeys.registration_options(request, pending.account),
                        content_type="application/json")


@never_cache
@require_POST
def set_up_passkey_verify(request: HttpRequest) -> HttpResponse:
    pending, start_again = _pending_without_factor(request)
    if pending is None:
        return json_problem(_("Your sign-in has expired."), redirect=start_again)
    body = read_json(request)
    try:
        credential = passkeys.verify_registration(request, pending.account,
                                                  body.get("credential"))
    except passkeys.PasskeyError:
        return json_problem(_("The passkey could not be created. Try again."))
    passkey, codes = factors.register_passkey(
        actor=pending.account, account=pending.account, credential=credential,
        nickname=str(body.get("nickname") or ""))
    method = second_factor.AMR_SOFTWARE_KEY if passkey.is_synced else \
        second_factor.AMR_HARDWARE_KEY
    return JsonResponse(
        {"redirect": _finish_with_codes(request, pending, method, codes)["Location"]})


# --- After the sign-in -----------------------------------------------------------------------

@never_cache
@require_GET
def new_backup_codes(request: HttpRequest) -> HttpResponse:
    """Shows freshly issued backup codes once: the session forgets them as they are shown,
    and only their digests are stored."""
    shown = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not isinstance(shown, dict) or not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("account-security"))
    return render(request, "identity/backup_codes.html", {
        "codes": shown["codes"], "next_url": shown.get("next") or reverse("account-security"),
    })


@never_cache
@require_GET
def recovered(request: HttpRequest) -> HttpResponse:
    """After a backup code: suggest setting up the lost factor again."""
    state = request.session.pop(RECOVERED_SESSION_KEY, None)
    if not isinstance(state, dict) or not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("account-security"))
    return render(request, "identity/second_factor_recovered.html", {
        "left": state["left"], "next_url": state.get("next") or reverse("home"),
    })
