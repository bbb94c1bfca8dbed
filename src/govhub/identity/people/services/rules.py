"""Shared rules of the identity services: authorisation and field assignment."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from govhub.identity.models import Agency
from govhub.identity.people.access import access_for
from govhub.kernel.actors import Actor


def require_permission(actor: Actor, permission: str, agency: Agency | None) -> None:
    """The actor may do ``permission`` in ``agency``. An object with no agency (a citizen
    without a commune, say) is in nobody's subtree, so only a platform-wide grant covers it
    — never "has the permission somewhere"."""
    access = access_for(actor)
    allowed = access.has(permission, agency) if agency is not None else \
        access.covers_everything(permission)
    if not allowed:
        raise PermissionDenied(_("You do not have permission for this action in this agency."))


def assign_fields(instance: Any, changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    for name, value in changes.items():
        setattr(instance, name, value)


def require_platform_wide(actor: Actor, permission: str) -> None:
    """For settings of the whole installation (signing keys, …): a platform-wide grant."""
    if not access_for(actor).covers_everything(permission):
        raise PermissionDenied(_("Only a platform administrator can do this."))
