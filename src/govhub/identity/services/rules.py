"""Shared rules of the identity services: authorisation and field assignment."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from govhub.identity.access import access_for
from govhub.identity.models import Agency


def require_permission(actor: Any, permission: str, agency: Agency | None) -> None:
    if not access_for(actor).has(permission, agency):
        raise PermissionDenied(_("You do not have permission for this action in this agency."))


def assign_fields(instance: Any, changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    for name, value in changes.items():
        setattr(instance, name, value)


def require_platform_wide(actor: Any, permission: str) -> None:
    """For settings of the whole installation (signing keys, …): a platform-wide grant."""
    if not access_for(actor).covers_everything(permission):
        raise PermissionDenied(_("Only a platform administrator can do this."))
