"""The web admin (Quản trị): Django's admin, in Vietnamese, opened to any official whose
roles include an administrative permission — not to Django's ``is_staff`` flag."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from govhub.identity.access import may_use_admin


class AdminLoginForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        if not user.is_active or not may_use_admin(user):
            # One message for a wrong password and for a missing role: no account enumeration.
            raise forms.ValidationError(
                self.error_messages["invalid_login"], code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class GovhubAdminSite(admin.AdminSite):
    site_header = _("govhub — Administration")
    site_title = _("govhub administration")
    index_title = _("Management")
    login_form = AdminLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and may_use_admin(request.user))


site = GovhubAdminSite(name="admin")
