"""Writes of a role's settings that administrators may change. Permissions of built-in roles
come from code (:mod:`govhub.identity.people.roles`); whether a role requires a second factor is a
platform-wide security setting, so only a platform administrator changes it."""

from __future__ import annotations

from django.db import transaction

from govhub.identity import events
from govhub.identity.models import Role
from govhub.identity.people import roles
from govhub.identity.people.services.rules import require_platform_wide
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.events import publish_on_commit


@transaction.atomic
def update_role(*, actor: Actor, role: Role, requires_second_factor: bool) -> Role:
    require_platform_wide(actor, roles.MANAGE_ROLES)
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.requires_second_factor == requires_second_factor:
        return role
    before = {"requires_second_factor": role.requires_second_factor}
    role.requires_second_factor = requires_second_factor
    role.save(update_fields=["requires_second_factor", "updated_at"])
    record_audit(actor=actor, action=AuditAction.UPDATE, target=role, before=before,
                 after={"requires_second_factor": requires_second_factor})
    publish_on_commit(events.RoleUpdated(role=role.code,
                                         requires_second_factor=requires_second_factor))
    return role
