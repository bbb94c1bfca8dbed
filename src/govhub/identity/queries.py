"""Reads for views, the admin, the API and other contexts — always scoped to the actor."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from govhub.identity import roles
from govhub.identity.access import access_for
from govhub.identity.models import (
    Account,
    AccountKind,
    Agency,
    Client,
    Role,
    RoleAssignment,
    SignInSession,
)
from govhub.kernel import queries as kernel_queries
from govhub.kernel.actors import Actor
from govhub.kernel.models import AuditEntry


def agencies(actor: Actor, permission: str = roles.VIEW_AGENCY) -> QuerySet[Agency]:
    condition = access_for(actor).path_filter(permission)
    queryset = Agency.objects.select_related("parent")
    return queryset if condition is None else queryset.filter(condition)


def accounts(actor: Actor, permission: str = roles.VIEW_ACCOUNT) -> QuerySet[Account]:
    """Officials of agencies in scope, and citizens living in communes in scope."""
    access = access_for(actor)
    queryset = Account.objects.select_related("agency", "commune")
    if access.covers_everything(permission):
        return queryset
    officials = access.path_filter(permission, "agency__path")
    citizens = access.path_filter(permission, "commune__path")
    assert officials is not None
    assert citizens is not None
    return queryset.filter(officials | (Q(kind=AccountKind.CITIZEN) & citizens))


def role_assignments(actor: Actor,
                     permission: str = roles.VIEW_ACCOUNT) -> QuerySet[RoleAssignment]:
    condition = access_for(actor).path_filter(permission, "agency__path")
    queryset = RoleAssignment.objects.select_related("account", "role", "agency")
    return queryset if condition is None else queryset.filter(condition)


def grantable_roles(actor: Actor) -> QuerySet[Role]:
    """Roles the actor may hand out: platform-wide roles only by a platform-wide manager,
    so no agency administrator can make someone (or themselves) a platform administrator."""
    access = access_for(actor)
    if not access.has(roles.MANAGE_ROLES):
        return Role.objects.none()
    if access.covers_everything(roles.MANAGE_ROLES):
        return Role.objects.all()
    return Role.objects.filter(is_global=False)


def audit_entries(actor: Actor) -> QuerySet[AuditEntry]:
    access = access_for(actor)
    if not access.has(roles.VIEW_AUDIT):
        return AuditEntry.objects.none()
    if access.covers_everything(roles.VIEW_AUDIT):
        return kernel_queries.audit_entries(agency_ids=None)
    ids = agencies(actor, roles.VIEW_AUDIT).values("id")
    return kernel_queries.audit_entries(agency_ids=ids)


def find_account_by_personal_id(number: str) -> Account | None:
    from govhub.identity.personal_id import digest

    return Account.objects.filter(personal_id_digest=digest(number)).first()


def clients(actor: Actor, permission: str = roles.MANAGE_AGENCY) -> QuerySet[Client]:
    """Client applications of agencies the actor manages."""
    condition = access_for(actor).path_filter(permission, "agency__path")
    queryset = Client.objects.select_related("agency")
    return queryset if condition is None else queryset.filter(condition)


def sign_in_sessions(actor: Actor) -> QuerySet[SignInSession]:
    """Sign-in sessions of the accounts the actor may manage."""
    return SignInSession.objects.select_related("account").filter(
        account__in=accounts(actor, roles.MANAGE_ACCOUNT))
