"""Writes of roles and role assignments (a role granted in an agency covers its subtree)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from govhub.identity import events
from govhub.identity.audit_actions import IdentityAction
from govhub.identity.models import Account, AccountKind, Agency, Role, RoleAssignment
from govhub.identity.people import roles
from govhub.identity.people.access import access_for, forget_access, signed_in_account
from govhub.identity.people.services.rules import require_permission
from govhub.kernel.actors import Actor, is_system
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.events import publish_on_commit


def sync_builtin_roles() -> None:
    """Bring the built-in roles' rows in line with :data:`roles.BUILTIN_ROLES` (system work,
    run after every migrate). Keeps an administrator's second-factor choice. Names are
    stored in Vietnamese, the language of the province's staff and of its records."""
    with translation.override("vi"):
        for builtin in roles.BUILTIN_ROLES:
            _sync_role(builtin)


def _sync_role(builtin: roles.BuiltinRole) -> None:
    role, _created = Role.objects.get_or_create(
        code=builtin.code, defaults={"requires_second_factor": builtin.requires_second_factor}
    )
    role.name = str(builtin.name)
    role.description = str(builtin.description)
    role.permissions = sorted(builtin.permissions)
    role.is_builtin = True
    role.is_global = builtin.is_global
    role.save()


@transaction.atomic
def grant_role(
    *, actor: Actor, account: Account, role: Role, agency: Agency, valid_until: Any = None
) -> RoleAssignment:
    require_permission(actor, roles.MANAGE_ROLES, agency)
    access = access_for(actor)
    if role.is_global and not access.covers_everything(roles.MANAGE_ROLES):
        raise PermissionDenied(_("Only a platform administrator can grant this role."))
    if not is_system(actor) and account.pk == actor.pk and not access.covers_everything(
        roles.MANAGE_ROLES
    ):
        raise PermissionDenied(_("You cannot grant a role to yourself."))
    if account.kind != AccountKind.OFFICIAL:
        raise ValidationError({"account": _("Roles are granted to officials only.")})
    assignment = RoleAssignment(account=account, role=role, agency=agency,
                                valid_until=valid_until,
                                granted_by=signed_in_account(actor))
    assignment.full_clean()
    assignment.save()
    record_audit(actor=actor, action=IdentityAction.GRANT, target=assignment,
                 after=snapshot(assignment), agency_id=agency.pk)
    forget_access(account)
    publish_on_commit(events.RoleGranted(assignment_id=assignment.pk, account_id=account.pk,
                                         role=role.code, agency_id=agency.pk))
    return assignment


@transaction.atomic
def revoke_role(*, actor: Actor, assignment: RoleAssignment) -> None:
    assignment = RoleAssignment.objects.select_related("agency", "role", "account").get(
        pk=assignment.pk
    )
    require_permission(actor, roles.MANAGE_ROLES, assignment.agency)
    if assignment.role.is_global and not access_for(actor).covers_everything(roles.MANAGE_ROLES):
        raise PermissionDenied(_("Only a platform administrator can revoke this role."))
    before = snapshot(assignment)
    record_audit(actor=actor, action=IdentityAction.REVOKE, target=assignment, before=before,
                 agency_id=assignment.agency_id)
    account_id, role_code = assignment.account_id, assignment.role.code
    assignment.delete()
    publish_on_commit(events.RoleRevoked(account_id=account_id, role=role_code))
