"""Data-sharing agreements in the admin: the consumer requests (add), the provider approves
or refuses — a refusal on its own page whose form requires the reason and the legal basis
(Decree 194/2025) and keeps what was typed — and may later revoke. Expired approvals show as
"expired" without any write: the gateway checks the window on each request."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govhub.identity.admin.base import ScopedModelAdmin
from govhub.identity.admin.site import site
from govhub.identity.people import roles
from govhub.identity.people.access import access_for
from govhub.integration import queries
from govhub.integration import services as integration
from govhub.integration.admin_forms import AgreementRequestForm, RefusalForm
from govhub.integration.admin_messages import run_service
from govhub.integration.models import Agreement, AgreementStatus
from govhub.kernel.actors import Actor

OPERATE = roles.OPERATE_INTEGRATION
REQUEST_FIELDS = ("consumer", "service", "operations", "legal_basis", "purpose", "fields",
                  "valid_from", "valid_until")
DECISION_FIELDS = ("status", "requested_by", "decided_by", "decided_at", "refusal_reason",
                   "refusal_legal_basis", "revoked_at")


def _may(actor: Actor, agency: Any) -> bool:
    access = access_for(actor)
    return access.has(OPERATE, agency) if agency else access.covers_everything(OPERATE)


@admin.register(Agreement, site=site)
class AgreementAdmin(ScopedModelAdmin):
    view_permission = OPERATE
    manage_permission = OPERATE
    form = AgreementRequestForm
    list_display = ["__str__", "status_label", "valid_from", "valid_until", "requested_by"]
    list_filter = ["status"]
    search_fields = ["consumer__code", "service__code", "purpose"]
    actions = ["submit_selected", "approve_selected", "revoke_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agreement]:
        return queries.agreements(request.user)

    def can_manage(self, request: HttpRequest, obj: Agreement) -> bool:
        return _may(request.user, obj.consumer.scope_agency) or _may(
            request.user, obj.service.scope_agency)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*REQUEST_FIELDS, *DECISION_FIELDS, "refuse_link") if obj else REQUEST_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Once requested, the terms are what was asked for: only decisions change them.
        return self.get_fields(request, obj) if obj else ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "consumer":
            kwargs["queryset"] = queries.systems(request.user)
        elif db_field.name == "service":
            kwargs["queryset"] = queries.catalogue(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("Status"))
    def status_label(self, obj: Agreement) -> str:
        if obj.status == AgreementStatus.APPROVED and obj.is_expired():
            return gettext("expired")
        return str(obj.get_status_display())

    @admin.display(description=_("Refuse"))
    def refuse_link(self, obj: Agreement) -> str:
        if obj.status != AgreementStatus.SUBMITTED:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:integration_agreement_refuse", args=[obj.pk]),
                           gettext("Refuse with reason and legal basis"))

    def save_model(self, request: HttpRequest, obj: Agreement, form: ModelForm,
                   change: bool) -> None:
        data = form.cleaned_data
        created = integration.request_agreement(
            actor=request.user, consumer=data["consumer"], service=data["service"],
            operations=list(data["operations"]), legal_basis=data["legal_basis"],
            purpose=data["purpose"], fields=list(data["fields"] or []),
            valid_from=data["valid_from"], valid_until=data["valid_until"])
        obj.pk = created.pk

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any,
                     change: bool) -> None:
        return None  # the service set the operations

    def _each(self, request: HttpRequest, queryset: QuerySet[Agreement], call: Any,
              done: str) -> None:
        count = sum(run_service(request, lambda a=a: call(actor=request.user, agreement=a))
                    is not None for a in queryset)
        if count:
            messages.success(request, done % {"count": count})

    @admin.action(description=_("Submit selected drafts"))
    def submit_selected(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        self._each(request, queryset, integration.submit_agreement,
                   gettext("%(count)d agreements submitted."))

    @admin.action(description=_("Approve selected requests"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        self._each(request, queryset, integration.approve_agreement,
                   gettext("%(count)d agreements approved."))

    @admin.action(description=_("Revoke selected agreements"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        self._each(request, queryset, integration.revoke_agreement,
                   gettext("%(count)d agreements revoked."))

    def get_urls(self) -> list[URLPattern]:
        own = [path("<uuid:object_id>/refuse/", self.admin_site.admin_view(self.refuse_view),
                    name="integration_agreement_refuse")]
        return own + super().get_urls()

    def refuse_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        agreement = self.get_queryset(request).filter(pk=object_id).first()
        if agreement is None:
            raise Http404
        if not _may(request.user, agreement.service.scope_agency):
            raise PermissionDenied
        form = RefusalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                integration.refuse_agreement(
                    actor=request.user, agreement=agreement,
                    reason=form.cleaned_data["refusal_reason"],
                    legal_basis=form.cleaned_data["refusal_legal_basis"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, gettext("The agreement was refused."))
                return HttpResponseRedirect(reverse("admin:integration_agreement_change",
                                                    args=[agreement.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "original": agreement, "form": form, "title": gettext("Refuse agreement")}
        return TemplateResponse(request, "integration/admin/refuse.html", context)
