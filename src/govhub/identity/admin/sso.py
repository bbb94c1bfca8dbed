"""Admin screens of single sign-on: client applications per agency, sign-in sessions and
which of their apps were told of a sign-out."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from govhub.identity import queries
from govhub.identity.admin.base import ReadOnlyInline, ScopedModelAdmin
from govhub.identity.admin.site import site
from govhub.identity.models import Client, ClientSession, SignInSession
from govhub.identity.people import roles
from govhub.identity.sso.services import clients, sign_in
from govhub.identity.sso.services.clients import ALLOWED_GRANT_TYPES

CLIENT_FORM_FIELDS = ("agency", "name", "description", "client_type",
                      "authorization_grant_type", "redirect_uris", "post_logout_redirect_uris",
                      "backchannel_logout_uri", "allowed_scopes", "allowed_origins",
                      "skip_authorization",
                      "support_contact")


@admin.register(Client, site=site)
class ClientAdmin(ScopedModelAdmin):
    view_permission = roles.MANAGE_AGENCY
    manage_permission = roles.MANAGE_AGENCY
    list_display = ["name", "agency", "client_type", "authorization_grant_type",
                    "skip_authorization", "client_id"]
    list_filter = ["client_type", "authorization_grant_type", "skip_authorization"]
    search_fields = ["name", "client_id", "agency__name"]
    fields = (*CLIENT_FORM_FIELDS, "client_id")
    readonly_fields = ("client_id",)
    actions = ["rotate_secret"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        return queries.clients(request.user)

    def can_manage(self, request: HttpRequest, obj: Client) -> bool:
        return self.access(request).has(roles.MANAGE_AGENCY, obj.agency)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest,
                                   **kwargs: Any) -> Any:
        if db_field.name == "authorization_grant_type":
            kwargs["choices"] = [c for c in Client.GRANT_TYPES if c[0] in ALLOWED_GRANT_TYPES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agency":
            kwargs["queryset"] = queries.agencies(request.user, roles.MANAGE_AGENCY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Client, form: ModelForm, change: bool) -> None:
        fields = {f: form.cleaned_data[f] for f in CLIENT_FORM_FIELDS if f != "agency"}
        if change:
            changed = {f: v for f, v in fields.items() if f in form.changed_data}
            clients.update_client(actor=request.user, client=obj, **changed)
            return
        created, secret = clients.register_client(
            actor=request.user, agency=form.cleaned_data["agency"], **fields)
        obj.pk, obj.client_id = created.pk, created.client_id
        if secret:
            self._show_secret(request, created, secret)

    @admin.action(description=_("Issue a new client secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Client]) -> None:
        for client in queryset.filter(client_type=Client.CLIENT_CONFIDENTIAL):
            self._show_secret(request, client,
                              clients.rotate_client_secret(actor=request.user, client=client))

    def _show_secret(self, request: HttpRequest, client: Client, secret: str) -> None:
        # Shown once: only a hash is stored, so it cannot be displayed again.
        messages.warning(request, gettext(
            "Client secret of “%(name)s” (shown only this once, copy it now): %(secret)s"
        ) % {"name": client.name, "secret": secret})


class ClientSessionInline(ReadOnlyInline):
    """The apps that received tokens in the session, and whether each was told when it
    ended (Back-Channel Logout 1.0 §2.5; logout_deliveries.deliver_logout_token records
    each try)."""

    model = ClientSession
    fk_name = "sign_in_session"
    template = "identity/admin/client_sessions_inline.html"
    fields = readonly_fields = ("app", "logout_outcome", "logout_delivered", "attempts",
                                "last_error")
    verbose_name = _("app of this session")
    verbose_name_plural = _("apps of this session and their back-channel logout")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClientSession]:
        return super().get_queryset(request).select_related("client", "sign_in_session")

    @admin.display(description=_("app"))
    def app(self, obj: ClientSession) -> str:
        return obj.client.name

    @admin.display(description=_("sign-out"))
    def logout_outcome(self, obj: ClientSession) -> str:
        if obj.sign_in_session.ended_at is None:
            return gettext("session still open")
        if obj.logout_delivered_at is not None:
            return gettext("told")
        if not obj.client.backchannel_logout_uri:
            # Its tokens were revoked all the same (sign_in._end_app_sessions).
            return gettext("not told: the app has no back-channel logout URI")
        if obj.logout_attempts == 0:
            return gettext("waiting to be sent")
        return gettext("not delivered")

    @admin.display(description=_("told at"))
    def logout_delivered(self, obj: ClientSession) -> str:
        # A read-only callable's value is shown as str(value): format it here, in local time.
        if obj.logout_delivered_at is None:
            return "—"
        return date_format(localtime(obj.logout_delivered_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("attempts"))
    def attempts(self, obj: ClientSession) -> int:
        return obj.logout_attempts

    @admin.display(description=_("last error"))
    def last_error(self, obj: ClientSession) -> str:
        return obj.logout_last_error or "—"


@admin.register(SignInSession, site=site)
class SignInSessionAdmin(ScopedModelAdmin):
    view_permission = roles.MANAGE_ACCOUNT
    manage_permission = roles.MANAGE_ACCOUNT
    list_display = ["account", "authenticated_at", "acr", "ip_address", "user_agent",
                    "ended_at"]
    list_filter = ["acr", "authenticated_at"]
    search_fields = ["account__full_name", "account__username", "ip_address"]
    fields = readonly_fields = ("account", "authenticated_at", "acr", "amr", "ip_address",
                                "user_agent", "ended_at")
    inlines = [ClientSessionInline]
    actions = ["end_sessions"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SignInSession]:
        return queries.sign_in_sessions(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def can_manage(self, request: HttpRequest, obj: SignInSession) -> bool:
        return False  # read-only page; ending a session is the action below

    @admin.action(description=_("End the selected sessions (signs out of every app)"))
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[SignInSession]) -> None:
        ended = 0
        for session in queryset.filter(ended_at__isnull=True):
            sign_in.end_sign_in(actor=request.user, sign_in_session=session)
            ended += 1
        messages.success(request, ngettext("%(count)d session ended.",
                                           "%(count)d sessions ended.", ended)
                         % {"count": ended})
