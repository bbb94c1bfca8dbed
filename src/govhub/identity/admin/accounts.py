from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govhub.identity import queries
from govhub.identity.admin.base import ReadOnlyInline, ScopedModelAdmin
from govhub.identity.admin.forms import AccountAdminForm, RoleAssignmentAdminForm
from govhub.identity.admin.site import site
from govhub.identity.models import Account, Agency, Role, RoleAssignment
from govhub.identity.organisation.services import agencies
from govhub.identity.organisation.services.agencies import PLATFORM_ONLY_FIELDS
from govhub.identity.people import roles
from govhub.identity.people.services import accounts, grants, role_settings
from govhub.identity.second_factor import methods as second_factor
from govhub.identity.second_factor.services import factors
from govhub.kernel.admin import AuditActionFilter
from govhub.kernel.models import AuditEntry

AGENCY_FORM_FIELDS = ("parent", "kind", "name", "short_name", "electronic_id_code",
                      "admin_unit_code", "address", "phone", "email", "website", "is_active")
ASSIGNMENT_FORM_FIELDS = ("account", "role", "agency", "valid_until")


def _changes(form: ModelForm, fields: frozenset[str]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}


@admin.register(Agency, site=site)
class AgencyAdmin(ScopedModelAdmin):
    view_permission = roles.VIEW_AGENCY
    manage_permission = roles.MANAGE_AGENCY
    list_display = ["name", "kind", "admin_unit_code", "electronic_id_code", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "admin_unit_code", "electronic_id_code"]
    fields = AGENCY_FORM_FIELDS
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        return queries.agencies(request.user)

    def can_manage(self, request: HttpRequest, obj: Agency) -> bool:
        return self.access(request).has(roles.MANAGE_AGENCY, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Agency | None = None) -> Any:
        # services.update_agency refuses these to anyone but a platform administrator.
        if obj is not None and not self.access(request).covers_everything(roles.MANAGE_AGENCY):
            return tuple(PLATFORM_ONLY_FIELDS)
        return ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = queries.agencies(request.user, roles.MANAGE_AGENCY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Agency, form: ModelForm, change: bool) -> None:
        if change:
            agencies.update_agency(actor=request.user, agency=obj,
                                   **_changes(form, agencies.AGENCY_FIELDS))
        else:
            created = agencies.create_agency(actor=request.user,
                                             **{f: form.cleaned_data[f]
                                                for f in AGENCY_FORM_FIELDS})
            obj.pk, obj.path = created.pk, created.path


class RoleAssignmentInline(ReadOnlyInline):
    model = RoleAssignment
    fk_name = "account"
    fields = readonly_fields = ("role", "agency", "valid_until", "granted_by")
    verbose_name_plural = _("roles (grant and revoke them under Role assignments)")


def _factor_summary(account: Account) -> dict[str, Any]:
    summary = second_factor.summary(account)
    has_any = bool(summary["app"] or summary["passkeys"]
                   or account.backup_codes.exists())
    return {**summary, "has_any": has_any}


def _after_reset_message(account: Account) -> str:
    """What the official meets at the next sign-in (login_flow.complete_sign_in)."""
    if second_factor.role_requires_second_factor(account):
        return gettext(
            "The second factors of %(account)s were removed. A role of theirs requires one, "
            "so at the next sign-in, after the password, they must set up an authenticator "
            "app or a passkey (and get new backup codes) before they can continue."
        ) % {"account": account}
    return gettext(
        "The second factors of %(account)s were removed. None of their roles requires one, "
        "so the next sign-in asks for the password only; they can set up a factor again under "
        "Account security."
    ) % {"account": account}


@admin.register(Account, site=site)
class AccountAdmin(ScopedModelAdmin):
    view_permission = roles.VIEW_ACCOUNT
    manage_permission = roles.MANAGE_ACCOUNT
    form = AccountAdminForm
    form_takes_actor = True
    list_display = ["full_name", "username", "kind", "agency", "commune", "phone",
                    "assurance_level", "is_active"]
    list_filter = ["kind", "assurance_level", "is_active"]
    search_fields = ["full_name", "username", "email", "phone"]
    readonly_fields = ["masked_personal_id", "date_joined", "last_login", "second_factors"]
    inlines = [RoleAssignmentInline]
    actions = ["reset_second_factors"]
    fieldsets = [
        (None, {"fields": ["username", "full_name", "kind", "is_active"]}),
        (_("Contact"), {"fields": ["phone", "email"]}),
        (_("Work and residence"), {"fields": ["agency", "position", "commune"]}),
        (_("Identity"), {"fields": ["assurance_level", "masked_personal_id",
                                    "personal_id_number"]}),
        (_("Sign-in"), {"fields": ["new_password", "date_joined", "last_login"]}),
    ]

    @admin.display(description=_("personal ID on file"))
    def masked_personal_id(self, obj: Account) -> str:
        return obj.masked_personal_id or "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return queries.accounts(request.user)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        # Which factors an account has tells an attacker what to go after: shown only to
        # those who may manage the account (and so reset them), not to every viewer.
        if obj is not None and self.can_manage(request, obj):
            fieldsets.append((_("Second factor"), {"fields": ["second_factors"]}))
        return fieldsets

    @admin.display(description=_("second factors"))
    def second_factors(self, obj: Account) -> str:
        return render_to_string("identity/admin/second_factors.html", {
            **_factor_summary(obj),
            "is_required": second_factor.role_requires_second_factor(obj),
            "reset_url": reverse(f"{self.admin_site.name}:identity_account_reset_second_factors",
                                 args=[obj.pk]),
        })

    def get_urls(self) -> list[URLPattern]:
        reset = self.admin_site.admin_view(self.reset_second_factors_view)
        return [path("<uuid:object_id>/second-factors/reset/", reset,
                     name="identity_account_reset_second_factors"), *super().get_urls()]

    @admin.action(description=_("Reset second factors (for someone who lost them all)"),
                  permissions=["change"])
    def reset_second_factors(self, request: HttpRequest,
                             queryset: QuerySet[Account]) -> HttpResponse | None:
        # The changelist's queryset is what the actor may view; resetting needs more.
        accounts = list(queries.accounts(request.user, roles.MANAGE_ACCOUNT)
                        .filter(pk__in=queryset.values("pk")))
        if not accounts:
            messages.warning(request, gettext("You may not manage any of the selected "
                                              "accounts."))
            return None
        if request.POST.get("post") != "yes":
            changelist = reverse(f"{self.admin_site.name}:identity_account_changelist")
            return self._confirm_reset(request, accounts, changelist)
        self._reset(request, accounts)
        return None

    def reset_second_factors_view(self, request: HttpRequest, object_id: Any) -> HttpResponse:
        """The account page's "Reset second factors…": the same confirmation and reset as
        the changelist action, for one account."""
        account = queries.accounts(request.user, roles.MANAGE_ACCOUNT).filter(
            pk=object_id).first()
        if account is None:
            raise Http404
        change_url = reverse(f"{self.admin_site.name}:identity_account_change", args=[account.pk])
        if request.method == "POST":
            self._reset(request, [account])
            return HttpResponseRedirect(change_url)
        return self._confirm_reset(request, [account], change_url)

    def _confirm_reset(self, request: HttpRequest, accounts: list[Account],
                       cancel_url: str) -> HttpResponse:
        request.current_app = self.admin_site.name
        rows = [{"account": a, **_factor_summary(a)} for a in accounts]
        return TemplateResponse(request, "identity/admin/reset_second_factors.html", {
            **self.admin_site.each_context(request),
            "title": _("Reset second factors"), "opts": self.opts, "rows": rows,
            "anything_to_reset": any(row["has_any"] for row in rows),
            "action_checkbox_name": ACTION_CHECKBOX_NAME, "cancel_url": cancel_url,
        })

    def _reset(self, request: HttpRequest, accounts: list[Account]) -> None:
        for account in accounts:
            if not _factor_summary(account)["has_any"]:
                messages.info(request, gettext("%(account)s has no second factor: nothing "
                                               "to reset.") % {"account": account})
                continue
            try:
                factors.reset_second_factors(actor=request.user, account=account)
            except PermissionDenied as refusal:  # one's own factors: another administrator
                messages.error(request, f"{account}: {refusal}")
                continue
            messages.success(request, _after_reset_message(account))

    def can_manage(self, request: HttpRequest, obj: Account) -> bool:
        return queries.accounts(request.user, roles.MANAGE_ACCOUNT).filter(pk=obj.pk).exists()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agency":
            kwargs["queryset"] = queries.agencies(request.user, roles.MANAGE_ACCOUNT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Account, form: ModelForm, change: bool) -> None:
        number = form.cleaned_data.get("personal_id_number") or None
        password = form.cleaned_data.get("new_password") or None
        if change:
            accounts.update_account(actor=request.user, account=obj, personal_id_number=number,
                                    **_changes(form, accounts.ACCOUNT_FIELDS))
            if password:
                accounts.set_account_password(actor=request.user, account=obj, password=password)
        else:
            fields = {f: form.cleaned_data.get(f) for f in accounts.ACCOUNT_FIELDS}
            created = accounts.create_account(actor=request.user, password=password,
                                              personal_id_number=number, **fields)
            obj.pk = created.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Role assignments are read-only here; nothing else is related."""

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any,
                                 add: bool = False) -> Any:
        # The read-only inline is never saved (see save_related), so its formset has no
        # new/changed/deleted objects for Django's change message to list.
        return super().construct_change_message(request, form, [], add)


@admin.register(Role, site=site)
class RoleAdmin(ScopedModelAdmin):
    """Roles are defined in code; a platform administrator may change one setting of
    each, whether it requires a second factor (role_settings.update_role, audited)."""

    view_permission = roles.VIEW_ACCOUNT
    manage_permission = roles.MANAGE_ROLES
    list_display = ["name", "code", "is_global", "requires_second_factor", "is_builtin"]
    fields = ("code", "name", "description", "permission_list", "is_global",
              "requires_second_factor", "is_builtin")
    readonly_fields = ("code", "name", "description", "permission_list", "is_global",
                       "is_builtin")

    @admin.display(description=_("permissions"))
    def permission_list(self, obj: Role) -> str:
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} <code>{}</code></li>",
            ((roles.PERMISSIONS.get(p, p), p) for p in obj.permissions)))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and self.can_manage(request, obj):
            return self.readonly_fields
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.access(request).covers_everything(roles.MANAGE_ROLES)

    def can_manage(self, request: HttpRequest, obj: Role) -> bool:
        return self.access(request).covers_everything(roles.MANAGE_ROLES)

    def save_model(self, request: HttpRequest, obj: Role, form: ModelForm, change: bool) -> None:
        role_settings.update_role(actor=request.user, role=obj,
                             requires_second_factor=form.cleaned_data["requires_second_factor"])


@admin.register(RoleAssignment, site=site)
class RoleAssignmentAdmin(ScopedModelAdmin):
    form = RoleAssignmentAdminForm
    form_takes_actor = True
    view_permission = roles.VIEW_ACCOUNT
    manage_permission = roles.MANAGE_ROLES
    list_display = ["account", "role", "agency", "valid_until", "granted_by"]
    list_filter = ["role"]
    search_fields = ["account__full_name", "account__username", "agency__name"]
    fields = ASSIGNMENT_FORM_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleAssignment]:
        return queries.role_assignments(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A grant is changed by revoking it and granting anew, so each step is audited.
        return ASSIGNMENT_FORM_FIELDS if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self.access(request).has(roles.MANAGE_ROLES)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.access(request).has(roles.MANAGE_ROLES)
        return self.can_manage(request, obj)

    def can_manage(self, request: HttpRequest, obj: RoleAssignment) -> bool:
        return self.access(request).has(roles.MANAGE_ROLES, obj.agency)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agency":
            kwargs["queryset"] = queries.agencies(request.user, roles.MANAGE_ROLES)
        elif db_field.name == "account":
            kwargs["queryset"] = queries.accounts(request.user).filter(kind="official")
        elif db_field.name == "role":
            kwargs["queryset"] = queries.grantable_roles(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: RoleAssignment, form: ModelForm,
                   change: bool) -> None:
        created = grants.grant_role(actor=request.user, account=obj.account, role=obj.role,
                                      agency=obj.agency, valid_until=obj.valid_until)
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        grants.revoke_role(actor=request.user, assignment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for assignment in queryset:
            grants.revoke_role(actor=request.user, assignment=assignment)


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(ScopedModelAdmin):
    view_permission = roles.VIEW_AUDIT
    list_display = ["occurred_at", "actor_label", "action_name", "target_kind", "target_label",
                    "ip_address"]
    list_filter = [AuditActionFilter, "target_type", "occurred_at"]
    search_fields = ["actor_label", "target_label", "target_id", "request_id"]
    date_hierarchy = "occurred_at"
    fields = readonly_fields = ("occurred_at", "actor_label", "action_name", "target_type",
                                "target_id", "target_label", "changes", "ip_address",
                                "user_agent", "request_id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return queries.audit_entries(request.user)

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, obj: AuditEntry) -> str:
        return obj.action_label

    @admin.display(description=_("object type"), ordering="target_type")
    def target_kind(self, obj: AuditEntry) -> str:
        """The model's name in the reader's language ("tài khoản"), not its code."""
        try:
            return str(capfirst(apps.get_model(obj.target_type)._meta.verbose_name))
        except (LookupError, ValueError):
            return obj.target_type

    def can_manage(self, request: HttpRequest, obj: AuditEntry) -> bool:
        return False

    @admin.display(description=_("changes (before → after)"))
    def changes(self, obj: AuditEntry) -> str:
        before, after = obj.before or {}, obj.after or {}
        names = obj.changed_fields if obj.before and obj.after else sorted(before | after)
        rows = ((name, before.get(name, "—"), after.get(name, "—")) for name in names)
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("field"), _("before"), _("after"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

# Single sign-on screens live in their own module; importing it registers them.
from govhub.identity.admin import sso as admin_sso  # noqa: E402, F401
