"""The signed-in person's own pages ("Tài khoản của tôi"): their sign-in sessions, and
signing out of every device at once."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views import View

from govhub.identity.models import Account, Consent, SignInSession
from govhub.identity.sso.assurance import SESSION_SID_KEY
from govhub.identity.sso.scopes import SCOPES
from govhub.identity.sso.services.consents import revoke_consent
from govhub.identity.sso.services.sign_in import sign_out_everywhere


class SessionsView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        account: Account = request.user  # type: ignore[assignment]  # LoginRequiredMixin
        sessions = SignInSession.objects.filter(account=account, ended_at__isnull=True)
        return render(request, "identity/account_sessions.html", {
            "sessions": sessions.prefetch_related("client_sessions__client"),
            "current_sid": request.session.get(SESSION_SID_KEY),
        })

    def post(self, request: HttpRequest) -> HttpResponse:
        ended = sign_out_everywhere(actor=request.user)  # type: ignore[arg-type]
        messages.success(request, ngettext(
            "Signed out of %(count)d session on every device.",
            "Signed out of %(count)d sessions on every device.", ended) % {"count": ended})
        return HttpResponseRedirect(reverse("login"))


class AppsView(LoginRequiredMixin, View):
    """Third-party apps the person allowed to receive their data, and taking it back."""

    def get(self, request: HttpRequest) -> HttpResponse:
        account: Account = request.user  # type: ignore[assignment]  # LoginRequiredMixin
        active = Consent.objects.filter(account=account, revoked_at__isnull=True)
        return render(request, "identity/account_apps.html", {
            "consents": active.select_related("client", "client__agency"),
            "scope_names": SCOPES,
        })

    def post(self, request: HttpRequest) -> HttpResponse:
        account: Account = request.user  # type: ignore[assignment]  # LoginRequiredMixin
        try:
            consent_id = uuid.UUID(request.POST.get("consent", ""))
        except ValueError:  # a tampered form: nothing to revoke, and never a 500
            return HttpResponseRedirect(reverse("account-apps"))
        consent = Consent.objects.filter(account=account, pk=consent_id,
                                         revoked_at__isnull=True).first()
        if consent is not None:
            revoke_consent(actor=account, consent=consent)
            messages.success(request, gettext(
                "“%(app)s” no longer receives your data, and its access has ended.")
                % {"app": consent.client.name})
        return HttpResponseRedirect(reverse("account-apps"))
