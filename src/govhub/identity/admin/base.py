"""Base for every ModelAdmin in govhub: permissions come from the access layer, and writes
go through services (audited and authorised: no ``.save()`` in admin code)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from govhub.identity.people.access import access_for


class ScopedModelAdmin(admin.ModelAdmin):
    view_permission: str = ""
    manage_permission: str = ""
    # The form's __init__ takes ``actor=`` so it can check scope next to the field.
    form_takes_actor = False
    # A bare host typed into a URL field means https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def access(self, request: HttpRequest) -> Any:
        return access_for(request.user)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if not self.form_takes_actor:
            return form_class
        actor = request.user

        class FormForActor(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, actor=actor, **inner)

        return FormForActor

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not self.get_queryset(request).filter(pk=obj.pk).exists():
            return False
        return self.access(request).has(self.view_permission) or self.has_change_permission(
            request, obj
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(self.manage_permission) and self.access(request).has(self.manage_permission)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.manage_permission:
            return False
        if obj is None:
            return self.access(request).has(self.manage_permission)
        return self.can_manage(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def can_manage(self, request: HttpRequest, obj: Any) -> bool:
        raise NotImplementedError


class ReadOnlyInline(admin.TabularInline):
    """A related list shown on a scoped page, never edited there. Every permission is
    answered here: Django's defaults would call Account.has_perm, which govhub's Account
    does not have (permissions come from the access layer)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # the page around it is already scoped
