"""Admin of the citizen app: the catalog (order, visibility, maintenance
notices), what users say (averages and weekly trend), and adoption aggregates. Querysets from
``queries``, writes through ``services``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govhub.identity import queries as identity_queries
from govhub.identity.admin.base import ScopedModelAdmin
from govhub.identity.admin.site import site
from govhub.identity.people import roles
from govhub.identity.people.access import access_for
from govhub.portal import queries, services
from govhub.portal.models import AdoptionDaily, MiniApp, Rating

CATALOG_FIELDS = ("code", "name_vi", "name_en", "description_vi", "description_en",
                  "category", "icon", "audience", "role_codes", "kind", "url",
                  "android_package", "app_store_url", "login_level", "scopes", "owner",
                  "support_contact", "status", "maintenance_notice", "order", "is_featured")


@admin.register(MiniApp, site=site)
class MiniAppAdmin(ScopedModelAdmin):
    view_permission = roles.MANAGE_AGENCY
    manage_permission = roles.MANAGE_AGENCY
    list_display = ["name_vi", "code", "category", "kind", "audience", "status", "order",
                    "is_featured", "average", "rating_count"]
    list_editable = ["order"]
    list_filter = ["status", "category", "kind", "audience", "is_featured"]
    search_fields = ["code", "name_vi", "name_en"]
    fields = (*CATALOG_FIELDS, "communes")
    filter_horizontal = ["communes"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MiniApp]:
        return queries.catalog_for_admin(request.user)

    def can_manage(self, request: HttpRequest, obj: MiniApp) -> bool:
        access = self.access(request)
        if obj.owner is None:
            return access.covers_everything(roles.MANAGE_AGENCY)
        return access.has(roles.MANAGE_AGENCY, obj.owner)

    @admin.display(description=_("average rating"), ordering="average_stars")
    def average(self, obj: Any) -> str:
        return f"{obj.average_stars:.1f}" if obj.average_stars is not None else "—"

    @admin.display(description=_("ratings"), ordering="rating_count")
    def rating_count(self, obj: Any) -> int:
        return int(obj.rating_count)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "owner":
            kwargs["queryset"] = identity_queries.agencies(request.user, roles.MANAGE_AGENCY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: MiniApp, form: ModelForm,
                   change: bool) -> None:
        data = form.cleaned_data
        fields = {name: data[name] for name in CATALOG_FIELDS if name in data}
        communes = data.get("communes")
        if change:
            saved = services.update_mini_app(actor=request.user, mini_app=obj,
                                             communes=communes, **fields)
        else:
            saved = services.create_mini_app(actor=request.user, communes=communes or (),
                                             **fields)
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any,
                     change: bool) -> None:
        """The communes were saved by the service, with the audit record."""


class ReadOnlyAdmin(admin.ModelAdmin):
    """Aggregates and what people said: read here, never edited."""

    view_permission = roles.MANAGE_AGENCY

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access_for(request.user).has(self.view_permission)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@admin.register(Rating, site=site)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["mini_app_or_app", "stars", "comment", "updated_at"]
    list_filter = ["stars", "mini_app"]
    search_fields = ["comment"]
    fields = ("mini_app", "stars", "comment", "created_at", "updated_at")
    change_list_template = "admin/portal/rating/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rating]:
        return queries.ratings_for_admin(request.user)

    @admin.display(description=_("about"), ordering="mini_app__name_vi")
    def mini_app_or_app(self, obj: Rating) -> str:
        return str(obj.mini_app) if obj.mini_app else str(_("The app itself"))

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        chosen = request.GET.get("mini_app__id__exact", "")
        mini_app = queries.catalog_for_admin(request.user).filter(
            pk=chosen).first() if _is_uuid(chosen) else None
        scoped = self.get_queryset(request).filter(mini_app=mini_app)
        context = {"trend": queries.weekly_trend(mini_app) if scoped.exists() else [],
                   "trend_subject": mini_app or _("The app itself"),
                   **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)


@admin.register(AdoptionDaily, site=site)
class AdoptionDailyAdmin(ReadOnlyAdmin):
    view_permission = roles.VIEW_AGENCY
    list_display = ["date", "commune", "installs", "standalone_launches", "active_users"]
    list_filter = ["date"]
    date_hierarchy = "date"
    change_list_template = "admin/portal/adoptiondaily/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AdoptionDaily]:
        return queries.adoption_for_admin(request.user)

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        since = timezone.localdate() - dt.timedelta(days=29)
        totals = queries.adoption_by_commune(self.get_queryset(request), since)
        return super().changelist_view(request, extra_context={
            "totals": totals, "since": since, **(extra_context or {})})
