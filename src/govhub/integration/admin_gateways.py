"""The gateways' side in the admin: gateways (register → token shown once; heartbeat state,
staleness, snapshot lag), config snapshots (view-only: they are immutable) and the evidence
log (read-only search; no change, no delete — it is the proof of every exchange)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from govhub.identity.admin.base import ScopedModelAdmin
from govhub.identity.admin.site import site
from govhub.identity.people import roles
from govhub.integration import queries
from govhub.integration import services as integration
from govhub.integration.admin_forms import GatewayForm
from govhub.integration.models import ConfigSnapshot, EvidenceRecord, Gateway
from govhub.integration.snapshots import latest_snapshot

OPERATE = roles.OPERATE_INTEGRATION


class ViewOnlyAdmin(ScopedModelAdmin):
    view_permission = OPERATE

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def can_manage(self, request: HttpRequest, obj: Any) -> bool:
        return False


@admin.register(Gateway, site=site)
class GatewayAdmin(ScopedModelAdmin):
    view_permission = OPERATE
    manage_permission = OPERATE
    form = GatewayForm
    list_display = ["code", "name", "health", "last_heartbeat_at", "software_version",
                    "snapshot_state", "spooled_evidence"]
    readonly_fields = ("last_heartbeat_at", "software_version", "snapshot_version",
                       "snapshot_revision", "started_at", "spooled_evidence",
                       "evidence_head_sequence", "evidence_shipped_sequence",
                       "evidence_reported_at")
    actions = ["rotate_tokens"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Gateway]:
        return queries.gateways(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.access(request).covers_everything(OPERATE)

    def can_manage(self, request: HttpRequest, obj: Gateway) -> bool:
        # A gateway carries every agency's traffic: platform-wide operators only.
        return bool(self.access(request).covers_everything(OPERATE))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("code", "name", "admin_url", *self.readonly_fields) if obj else (
            "code", "name", "admin_url")

    @admin.display(description=pgettext_lazy("gateway liveness", "Health"))
    def health(self, obj: Gateway) -> str:
        if queries.is_stale(obj):
            return format_html('<strong style="color:#ba2121">{}</strong>',
                               gettext("stale (no heartbeat for over 30 s)"))
        return gettext("alive")

    @admin.display(description=_("Snapshot"))
    def snapshot_state(self, obj: Gateway) -> str:
        latest = latest_snapshot()
        latest_version = latest.version if latest else None
        if queries.is_behind(obj, latest_version):
            return format_html('<strong style="color:#ba2121">{}</strong>', gettext(
                "v%(has)s, behind v%(latest)s") % {"has": obj.snapshot_version or "—",
                                                   "latest": latest_version})
        return f"v{obj.snapshot_version}" if obj.snapshot_version else "—"

    def save_model(self, request: HttpRequest, obj: Gateway, form: ModelForm,
                   change: bool) -> None:
        if change:
            messages.error(request, gettext("A gateway is not edited; register a new one."))
            return
        gateway, token = integration.register_gateway(
            actor=request.user, code=form.cleaned_data["code"], name=form.cleaned_data["name"],
            admin_url=form.cleaned_data["admin_url"])
        obj.pk = gateway.pk
        self._show_token(request, gateway, token)

    @admin.action(description=_("Issue a new gateway token"))
    def rotate_tokens(self, request: HttpRequest, queryset: QuerySet[Gateway]) -> None:
        for gateway in queryset:
            self._show_token(request, gateway, integration.rotate_gateway_token(
                actor=request.user, gateway=gateway))

    def _show_token(self, request: HttpRequest, gateway: Gateway, token: str) -> None:
        messages.warning(request, gettext(
            "Token of gateway %(code)s (shown only this once, copy it now): %(token)s")
            % {"code": gateway.code, "token": token})


@admin.register(ConfigSnapshot, site=site)
class ConfigSnapshotAdmin(ViewOnlyAdmin):
    list_display = ["version", "revision", "created_at", "reason"]
    fields = ("version", "revision", "created_at", "reason", "document")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConfigSnapshot]:
        return queries.config_snapshots(request.user)


@admin.register(EvidenceRecord, site=site)
class EvidenceRecordAdmin(ViewOnlyAdmin):
    list_display = ["started_at", "request_id", "client", "service", "operation", "status",
                    "duration_ms", "gateway", "sequence"]
    list_filter = ["status", "gateway", ("started_at", admin.DateFieldListFilter)]
    search_fields = ["=request_id", "client", "service"]
    date_hierarchy = "started_at"
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceRecord]:
        return queries.evidence(request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in EvidenceRecord._meta.fields if f.name != "id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def lookup_allowed(self, lookup: str, value: str, request: Any = None) -> bool:
        # Filters by URL: ?request_id=…, ?client=…, ?service=…, ?status=…, date range.
        if lookup in ("request_id", "client", "service", "status", "started_at__gte",
                      "started_at__lt", "started_at__lte"):
            return True
        return bool(super().lookup_allowed(lookup, value, request))
