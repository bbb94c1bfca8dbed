"""Authorisation shared by the integration services: ``integration.operate`` in the agency
that owns the object (identity's rule: an object with no agency needs a platform-wide grant)."""

from __future__ import annotations

from typing import Any

from govhub.identity.people import roles
from govhub.identity.people.services.rules import require_permission
from govhub.kernel.actors import Actor


def require_operator(actor: Actor, agency: Any) -> None:
    require_permission(actor, roles.OPERATE_INTEGRATION, agency)


def agency_id(agency: Any) -> Any:
    return agency.pk if agency is not None else None
