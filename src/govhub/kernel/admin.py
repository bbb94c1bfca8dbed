"""Admin pieces of the kernel's own models, for the admin classes a context registers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from govhub.kernel.audit_actions import action_choices
from govhub.kernel.models import AuditEntry


class AuditActionFilter(admin.SimpleListFilter):
    """Audit entries by verb, labelled in the reader's language: the column has no choices
    (each context registers its verbs), so Django's field filter would list bare codes."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return action_choices()

    def queryset(self, request: HttpRequest,
                 queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        value = self.value()
        return queryset.filter(action=value) if value else queryset
