"""Citizens' sign-in with a one-time code sent by SMS: the first factor "sms"
(RFC 8176 §2), assurance level 1.

1. ``/login/phone/``: the person types a mobile number; a code is sent. The answer is the
   same whether or not an account has the number (no account enumeration).
2. ``/login/phone/code/``: they type the code. If a citizen account has the number, they
   are signed in.
3. ``/login/phone/register/``: otherwise (a first sign-in) they give their name and commune
   of residence — the commune decides which administrators manage the account — and the
   account is created and signed in.
"""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from govhub.identity.models import AccountKind, Agency, AgencyKind
from govhub.identity.people import phone_numbers
from govhub.identity.phone import codes as phone_codes
from govhub.identity.phone.services.citizens import (
    citizen_with_phone,
    confirm_phone,
    register_citizen_by_phone,
)
from govhub.identity.sign_in.flow import complete_sign_in
from govhub.identity.sign_in.lockout import client_ip_address
from govhub.identity.sso.assurance import ACR_LEVEL_1
from govhub.identity.sso.form_action import allow_forms_to_reach, client_of_authorization

# Session keys: the number a code was sent to, and the proof that the person holds it.
PENDING_KEY = "govhub_phone_pending"
VERIFIED_KEY = "govhub_phone_verified"
AMR_SMS = "sms"  # RFC 8176 §2: confirmation by a code sent in a text message


class PhoneForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Mobile phone number"), max_length=20)

    def clean_phone(self) -> str:
        national = phone_numbers.normalise_mobile(self.cleaned_data["phone"])
        if national is None:
            raise ValidationError(_("Enter a Vietnamese mobile number, e.g. 0912 345 678."),
                                  code="invalid")
        return national


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20)

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == phone_codes.CODE_DIGITS):
            raise ValidationError(_("The code has 6 digits."), code="invalid")
        return code


class RegisterForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Commune or ward of residence"),
        queryset=Agency.objects.filter(kind__in=AgencyKind.local_government(), is_active=True)
        .order_by("name"),
        empty_label=gettext_lazy("— Choose —"),
    )


def _retry_message(seconds: int) -> str:
    if seconds < 120:
        return ngettext("Too many codes requested. Try again in %(count)d second.",
                        "Too many codes requested. Try again in %(count)d seconds.",
                        seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("Too many codes requested. Try again in %(count)d minute.",
                    "Too many codes requested. Try again in %(count)d minutes.",
                    minutes) % {"count": minutes}


def _next_url(request: HttpRequest) -> str:
    return str(request.POST.get("next") or request.GET.get("next") or "")


@method_decorator(never_cache, name="dispatch")
class PhoneView(View):
    template_name = "identity/phone_sign_in.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        pending = request.session.get(PENDING_KEY) or {}
        initial = {"phone": phone_numbers.display(pending["phone"])} if pending else {}
        return self._render(request, PhoneForm(initial=initial),
                            _next_url(request) or pending.get("next", ""))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PhoneForm(request.POST)
        next_url = _next_url(request)
        if not form.is_valid():
            return self._render(request, form, next_url)
        phone = form.cleaned_data["phone"]
        try:
            phone_codes.send_code(phone=phone, client_ip=client_ip_address(request))
        except phone_codes.RateLimitError as limited:
            form.add_error(None, _retry_message(limited.retry_after_seconds))
            response = self._render(request, form, next_url, status=429)
            response["Retry-After"] = str(limited.retry_after_seconds)
            return response
        except phone_codes.CodeNotSentError:
            form.add_error(None, _("We could not send the text message just now. "
                                   "Please try again in a few minutes."))
            return self._render(request, form, next_url, status=503)
        request.session[PENDING_KEY] = {"phone": phone, "next": next_url}
        request.session.pop(VERIFIED_KEY, None)
        return HttpResponseRedirect(reverse("login-phone-code"))

    def _render(self, request: HttpRequest, form: PhoneForm, next_url: str,
                status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"form": form, "next": next_url},
                      status=status)


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class CodeView(View):
    template_name = "identity/phone_code.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        pending = request.session.get(PENDING_KEY)
        if not pending:
            return HttpResponseRedirect(reverse("login-phone"))
        return self._render(request, CodeForm(), pending)

    def post(self, request: HttpRequest) -> HttpResponse:
        pending = request.session.get(PENDING_KEY)
        if not pending:
            return HttpResponseRedirect(reverse("login-phone"))
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, pending)
        result = phone_codes.verify_code(phone=pending["phone"], code=form.cleaned_data["code"])
        if result.outcome is phone_codes.Outcome.WRONG:
            form.add_error("code", ngettext(
                "This code is not correct. You can try %(count)d more time.",
                "This code is not correct. You can try %(count)d more times.",
                result.attempts_left) % {"count": result.attempts_left})
            return self._render(request, form, pending)
        if result.outcome is phone_codes.Outcome.VOID:
            form.add_error("code", _("Too many wrong codes: this code is cancelled. "
                                     "Request a new code."))
            return self._render(request, form, pending, can_resend=True)
        if result.outcome is phone_codes.Outcome.NO_CODE or result.verified_phone is None:
            form.add_error("code", _("This code has expired or has already been used. "
                                     "Request a new code."))
            return self._render(request, form, pending, can_resend=True)
        return self._finish(request, result.verified_phone, pending.get("next", ""), form)

    def _finish(self, request: HttpRequest, verified: phone_codes.VerifiedPhone,
                next_url: str, form: CodeForm) -> HttpResponse:
        request.session.pop(PENDING_KEY, None)
        account = citizen_with_phone(verified.phone)
        if account is None:
            request.session[VERIFIED_KEY] = {"phone": verified.phone,
                                             "verified_at": verified.verified_at,
                                             "next": next_url}
            return HttpResponseRedirect(reverse("login-phone-register"))
        if account.kind != AccountKind.CITIZEN or not account.is_active:
            # A text message is too weak a proof for an official's account (it can reach
            # the administration); a disabled account stays disabled.
            form.add_error(None, _("This phone number cannot be used to sign in here. "
                                   "Officials sign in with their username and password; if "
                                   "your account was disabled, contact your commune's "
                                   "People's Committee."))
            return self._render(request, form, {"phone": verified.phone, "next": next_url})
        account = confirm_phone(account=account, verified_phone=verified, actor=account)
        return complete_sign_in(request, account, amr=[AMR_SMS], acr=ACR_LEVEL_1,
                                next_url=next_url)

    def _render(self, request: HttpRequest, form: CodeForm, pending: dict[str, Any],
                can_resend: bool = False) -> HttpResponse:
        # The code form signs in and goes on to the app that asked (CSP form-action).
        return allow_forms_to_reach(render(request, self.template_name, {
            "form": form, "phone": pending["phone"],
            "phone_display": phone_numbers.display(pending["phone"]),
            "next": pending.get("next", ""), "can_resend": can_resend,
            "ttl_minutes": phone_codes.code_ttl_minutes(),
        }), client_of_authorization(pending.get("next")))


@method_decorator(never_cache, name="dispatch")
class RegisterView(View):
    """A first sign-in: who the person is and where they live, then the account."""

    template_name = "identity/phone_register.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        verified = _verified_phone(request)
        if verified is None:
            return HttpResponseRedirect(reverse("login-phone"))
        return self._render(request, RegisterForm(), verified)

    def post(self, request: HttpRequest) -> HttpResponse:
        verified = _verified_phone(request)
        if verified is None:
            return HttpResponseRedirect(reverse("login-phone"))
        form = RegisterForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, verified)
        try:
            account = register_citizen_by_phone(
                verified_phone=verified, full_name=form.cleaned_data["full_name"],
                commune=form.cleaned_data["commune"])
        except PermissionDenied:
            return HttpResponseRedirect(reverse("login-phone"))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
            return self._render(request, form, verified)
        next_url = request.session.pop(VERIFIED_KEY, {}).get("next", "")
        if account.kind != AccountKind.CITIZEN or not account.is_active:
            return HttpResponseRedirect(reverse("login-phone"))
        account = confirm_phone(account=account, verified_phone=verified, actor=account)
        return complete_sign_in(request, account, amr=[AMR_SMS], acr=ACR_LEVEL_1,
                                next_url=next_url)

    def _render(self, request: HttpRequest, form: RegisterForm,
                verified: phone_codes.VerifiedPhone) -> HttpResponse:
        next_url = (request.session.get(VERIFIED_KEY) or {}).get("next")
        return allow_forms_to_reach(render(request, self.template_name, {
            "form": form, "phone_display": phone_numbers.display(verified.phone)}),
            client_of_authorization(next_url))


def _verified_phone(request: HttpRequest) -> phone_codes.VerifiedPhone | None:
    stored = request.session.get(VERIFIED_KEY)
    if not stored:
        return None
    verified = phone_codes.VerifiedPhone(stored["phone"], float(stored["verified_at"]))
    if not verified.is_fresh():
        request.session.pop(VERIFIED_KEY, None)
        return None
    return verified
