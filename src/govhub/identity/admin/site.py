"""The web admin (Quản trị): Django's admin, in Vietnamese, opened to any official whose
roles include an administrative permission — not to Django's ``is_staff`` flag."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govhub.identity.people.access import may_use_admin
from govhub.identity.people.services import accounts


class AdminLoginForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        if not user.is_active or not may_use_admin(user):
            # One message for a wrong password and for a missing role: no account enumeration.
            raise forms.ValidationError(
                self.error_messages["invalid_login"], code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change my password", saved through the service so it is audited."""

    def save(self, commit: bool = True) -> Any:
        accounts.set_account_password(actor=self.user, account=self.user,
                                      password=self.cleaned_data["new_password1"])
        self.user.refresh_from_db()  # the view keeps the session valid with the new hash
        return self.user


class GovhubAdminSite(admin.AdminSite):
    site_header = _("govhub — Administration")
    site_title = _("govhub administration")
    index_title = _("Management")
    login_form = AdminLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and may_use_admin(request.user))

    def password_change(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> Any:
        # Django's view, with a form that writes through services (audited, authorised).
        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=AuditedPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)


site = GovhubAdminSite(name="admin")
