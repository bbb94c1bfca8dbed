"""The integration hub in the web admin (Quản trị): members, systems, services with their
operations, endpoints, maintenance windows and imported description. Credentials, agreements
and the gateways' side are in ``admin_credentials``, ``admin_agreements``,
``admin_gateways``. Querysets come from ``queries``; every write goes through ``services``."""

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

from govhub.identity import queries as identity_queries
from govhub.identity.admin.base import ReadOnlyInline, ScopedModelAdmin
from govhub.identity.admin.site import site
from govhub.identity.people import roles
from govhub.integration import admin_agreements, admin_credentials, admin_gateways, queries
from govhub.integration import services as integration
from govhub.integration.admin_forms import ImportForm
from govhub.integration.models import (
    Endpoint,
    MaintenanceWindow,
    Member,
    Operation,
    Service,
    System,
)
from govhub.integration.services.catalogue import SERVICE_FIELDS
from govhub.integration.services.registry import MEMBER_FIELDS, SYSTEM_FIELDS

__all__ = ["admin_agreements", "admin_credentials", "admin_gateways"]
OPERATE = roles.OPERATE_INTEGRATION


class IntegrationAdmin(ScopedModelAdmin):
    view_permission = OPERATE
    manage_permission = OPERATE

    def can_manage(self, request: HttpRequest, obj: Any) -> bool:
        return self.access(request).has(OPERATE, obj.scope_agency) if obj.scope_agency \
            else self.access(request).covers_everything(OPERATE)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agency":
            kwargs["queryset"] = identity_queries.agencies(request.user, OPERATE)
        elif db_field.name == "member":
            kwargs["queryset"] = queries.members(request.user)
        elif db_field.name in ("system", "consumer"):
            kwargs["queryset"] = queries.systems(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def changes(form: ModelForm, allowed: frozenset[str]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in allowed}


@admin.register(Member, site=site)
class MemberAdmin(IntegrationAdmin):
    list_display = ["code", "name", "agency", "is_central"]
    list_filter = ["is_central"]
    search_fields = ["code", "name"]
    fields = ("code", "name", "agency", "is_central")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        return queries.members(request.user)

    def can_manage(self, request: HttpRequest, obj: Member) -> bool:
        return self.access(request).has(OPERATE, obj.agency) if obj.agency \
            else self.access(request).covers_everything(OPERATE)

    def save_model(self, request: HttpRequest, obj: Member, form: ModelForm, change: bool) -> None:
        if change:
            integration.update_member(actor=request.user, member=obj,
                                      **changes(form, MEMBER_FIELDS))
            return
        created = integration.create_member(
            actor=request.user, **{f: form.cleaned_data[f] for f in MEMBER_FIELDS})
        obj.pk = created.pk


@admin.register(System, site=site)
class SystemAdmin(IntegrationAdmin):
    list_display = ["__str__", "name", "agency"]
    search_fields = ["code", "name", "member__code"]
    fields = ("member", "code", "name", "description", "agency")

    def get_queryset(self, request: HttpRequest) -> QuerySet[System]:
        return queries.systems(request.user)

    def save_model(self, request: HttpRequest, obj: System, form: ModelForm, change: bool) -> None:
        if change:
            integration.update_system(actor=request.user, system=obj,
                                      **changes(form, SYSTEM_FIELDS))
            return
        created = integration.create_system(
            actor=request.user, member=form.cleaned_data["member"],
            **{f: form.cleaned_data[f] for f in SYSTEM_FIELDS})
        obj.pk = created.pk


class OperationInline(admin.TabularInline):
    """Operations come from the imported document; only their data class is the operator's
    to set (Law 91/2025)."""

    model = Operation
    extra = 0
    can_delete = False
    fields = ("code", "method", "path", "summary", "data_class")
    readonly_fields = ("code", "method", "path", "summary")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and site._registry[Service].has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class EndpointInline(ReadOnlyInline):
    model = Endpoint
    fields = ("position", "url")
    readonly_fields = fields


class MaintenanceInline(admin.TabularInline):
    """Past and planned windows are kept as they were announced; new ones are added."""

    model = MaintenanceWindow
    extra = 0
    can_delete = False
    fields = ("starts_at", "ends_at", "notice")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and site._registry[Service].has_change_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


@admin.register(Service, site=site)
class ServiceAdmin(IntegrationAdmin):
    list_display = ["__str__", "name", "protocol", "version", "is_active"]
    list_filter = ["protocol", "is_active"]
    search_fields = ["code", "name", "system__code", "system__member__code"]
    fields = ("system", "code", "version", "protocol", "name", "description", "agency",
              "support_contact", "timeout_seconds", "max_request_bytes", "max_response_bytes",
              "log_bodies", "is_active", "endpoint_urls", "import_link", "document")
    readonly_fields = ("import_link", "document")
    inlines = [OperationInline, EndpointInline, MaintenanceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Service]:
        return queries.services(request.user)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        from govhub.integration.admin_forms import ServiceForm

        kwargs["form"] = ServiceForm
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("Description document"))
    def document(self, obj: Service) -> str:
        if not obj.description_document:
            return gettext("(none imported)")
        return format_html("<pre style='max-height:24em;overflow:auto'>{}</pre>",
                           obj.description_document)

    @admin.display(description=_("Import"))
    def import_link(self, obj: Service) -> str:
        if obj.pk is None:
            return gettext("Save the service first.")
        url = reverse("admin:integration_service_import", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url,
                           gettext("Import OpenAPI / WSDL"))

    def save_model(self, request: HttpRequest, obj: Service, form: ModelForm,
                   change: bool) -> None:
        urls = form.cleaned_data.get("endpoint_urls") or []
        if change:
            integration.update_service(actor=request.user, service=obj,
                                       **changes(form, SERVICE_FIELDS))
            if "endpoint_urls" in form.changed_data:
                integration.set_endpoints(actor=request.user, service=obj, urls=urls)
            return
        created = integration.create_service(
            actor=request.user, system=form.cleaned_data["system"], endpoints=urls,
            **{f: form.cleaned_data[f] for f in SERVICE_FIELDS})
        obj.pk = created.pk

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any,
                     change: bool) -> None:
        # Nothing is saved by the formset itself (writes go through services), so the
        # admin's change message has no objects to list.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is MaintenanceWindow:
            for inline_form in formset.extra_forms:
                if inline_form.has_changed():
                    data = inline_form.cleaned_data
                    integration.add_maintenance_window(
                        actor=request.user, service=form.instance, starts_at=data["starts_at"],
                        ends_at=data["ends_at"], notice=data.get("notice", ""))
            return
        if formset.model is not Operation:
            return
        for inline_form in formset.forms:
            if "data_class" in inline_form.changed_data:
                integration.set_operation_data_class(
                    actor=request.user, operation=inline_form.instance,
                    data_class=inline_form.cleaned_data["data_class"])

    def get_urls(self) -> list[URLPattern]:
        own = [path("<uuid:object_id>/import/", self.admin_site.admin_view(self.import_view),
                    name="integration_service_import")]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        service = self.get_queryset(request).filter(pk=object_id).first()
        if service is None:
            raise Http404
        if not self.has_change_permission(request, service):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                operations = integration.import_description(
                    actor=request.user, service=service, text=form.cleaned_data["text"])
            except ValidationError as exc:
                form.add_error("text", exc)
            else:
                messages.success(request, gettext("Imported %(count)d operations.")
                                 % {"count": len(operations)})
                return HttpResponseRedirect(reverse("admin:integration_service_change",
                                                    args=[service.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "original": service, "form": form, "title": gettext("Import description")}
        return TemplateResponse(request, "integration/admin/import.html", context)
