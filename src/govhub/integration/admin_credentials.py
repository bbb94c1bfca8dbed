"""Consumers' credentials in the admin: API keys (issue, rotate, revoke — the secret is shown
once, in a message, since only its hash is kept), OAuth client bindings, certificates, and
quotas."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govhub.identity import queries as identity_queries
from govhub.identity.admin.base import ScopedModelAdmin
from govhub.identity.admin.site import site
from govhub.identity.people import roles
from govhub.integration import queries
from govhub.integration import services as integration
from govhub.integration.admin_forms import ApiKeyForm, CertificateForm
from govhub.integration.admin_messages import run_service
from govhub.integration.models import ApiKey, Certificate, OAuthBinding, Quota

OPERATE = roles.OPERATE_INTEGRATION


class ConsumerAdmin(ScopedModelAdmin):
    """Objects belonging to a consumer system: managed in that system's agency."""

    view_permission = OPERATE
    manage_permission = OPERATE

    def can_manage(self, request: HttpRequest, obj: Any) -> bool:
        agency = obj.system.scope_agency
        access = self.access(request)
        return access.has(OPERATE, agency) if agency else access.covers_everything(OPERATE)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "system":
            kwargs["queryset"] = queries.systems(request.user)
        if db_field.name == "client":
            kwargs["queryset"] = identity_queries.clients(request.user, OPERATE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Credentials are issued, rotated and revoked — never edited in place.
        return [f.name for f in self.model._meta.fields if f.editable] if obj else []


def show_token(request: HttpRequest, key: ApiKey, token: str) -> None:
    messages.warning(request, gettext(
        "API key of %(system)s (shown only this once, copy it now): %(token)s")
        % {"system": key.system, "token": token})


@admin.register(ApiKey, site=site)
class ApiKeyAdmin(ConsumerAdmin):
    form = ApiKeyForm
    list_display = ["key_id", "system", "label", "expires_at", "revoked_at", "state"]
    list_filter = ["revoked_at"]
    search_fields = ["key_id", "label", "system__code"]
    actions = ["rotate_keys", "revoke_keys"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        return queries.api_keys(request.user)

    @admin.display(description=_("State"))
    def state(self, obj: ApiKey) -> str:
        return gettext("usable") if obj.is_usable() else gettext("not usable")

    def save_model(self, request: HttpRequest, obj: ApiKey, form: ModelForm,
                   change: bool) -> None:
        key, token = integration.issue_api_key(
            actor=request.user, system=form.cleaned_data["system"],
            label=form.cleaned_data["label"], expires_at=form.cleaned_data["expires_at"])
        obj.pk = key.pk
        show_token(request, key, token)

    @admin.action(description=_("Rotate: issue a new key, revoke the old one"))
    def rotate_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            result = run_service(request, lambda key=key: integration.rotate_api_key(
                actor=request.user, key=key))
            if result is not None:
                show_token(request, *result)

    @admin.action(description=_("Revoke selected keys"))
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            integration.revoke_api_key(actor=request.user, key=key)
        messages.success(request, gettext("Keys revoked."))


@admin.register(OAuthBinding, site=site)
class OAuthBindingAdmin(ConsumerAdmin):
    list_display = ["system", "client"]
    fields = ("system", "client")

    def get_queryset(self, request: HttpRequest) -> QuerySet[OAuthBinding]:
        return queries.oauth_bindings(request.user)

    def save_model(self, request: HttpRequest, obj: OAuthBinding, form: ModelForm,
                   change: bool) -> None:
        binding = integration.bind_oauth_client(actor=request.user,
                                                system=form.cleaned_data["system"],
                                                client=form.cleaned_data["client"])
        obj.pk = binding.pk


@admin.register(Certificate, site=site)
class CertificateAdmin(ConsumerAdmin):
    form = CertificateForm
    list_display = ["subject", "system", "not_after", "revoked_at", "sha256_fingerprint"]
    actions = ["revoke_certificates"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Certificate]:
        return queries.certificates(request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("system", "subject", "sha256_fingerprint", "not_after", "revoked_at") if obj \
            else ("system", "pem")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj) if obj else []

    def save_model(self, request: HttpRequest, obj: Certificate, form: ModelForm,
                   change: bool) -> None:
        bound = integration.bind_certificate(actor=request.user,
                                             system=form.cleaned_data["system"],
                                             pem=form.cleaned_data["pem"])
        obj.pk = bound.pk

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        if obj is None:
            kwargs["fields"] = ("system",)
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.action(description=_("Revoke selected certificates"))
    def revoke_certificates(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        for certificate in queryset:
            integration.revoke_certificate(actor=request.user, certificate=certificate)


@admin.register(Quota, site=site)
class QuotaAdmin(ConsumerAdmin):
    list_display = ["system", "requests", "per_seconds"]
    fields = ("system", "requests", "per_seconds")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quota]:
        return queries.quotas(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("system",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Quota, form: ModelForm, change: bool) -> None:
        quota = integration.set_quota(actor=request.user, system=obj.system,
                                      requests=form.cleaned_data["requests"],
                                      per_seconds=form.cleaned_data["per_seconds"])
        obj.pk = quota.pk
