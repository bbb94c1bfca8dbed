"""Reads for views, the admin, the API and other contexts — scoped to the actor, except the
few public facts about the organisation other contexts show to anyone (the province's
figures on the home page) and the person's own sign-in session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from govhub.identity.models import (
    Account,
    AccountKind,
    Agency,
    AgencyKind,
    Client,
    Role,
    RoleAssignment,
    SignInSession,
)
from govhub.identity.people import roles
from govhub.identity.people.access import access_for
from govhub.identity.people.personal_id import digest
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


def own_sign_in_session(account: Any, sid: str | None) -> SignInSession | None:
    """The person's own sign-in session with this ``sid`` (their browser's), or None."""
    if not sid:
        return None
    return SignInSession.objects.filter(sid=sid, account=account).first()


# --- Public facts about the organisation (no actor: anyone may see them) ------------------


@dataclass(frozen=True)
class ProvinceOverview:
    province: Agency | None
    communes: int
    wards: int
    special_zones: int
    departments: int


def province_overview() -> ProvinceOverview:
    """The province (the first top-level agency) and how many active units of each kind it
    has: the home page's figures."""
    province = Agency.objects.filter(kind=AgencyKind.PROVINCE, parent=None).order_by(
        "created_at").first()
    in_tree = (Agency.objects.filter(path__startswith=province.path) if province
               else Agency.objects.none())
    counts = {kind: in_tree.filter(kind=kind, is_active=True).count() for kind in AgencyKind}
    return ProvinceOverview(
        province=province,
        communes=counts[AgencyKind.COMMUNE],
        wards=counts[AgencyKind.WARD],
        special_zones=counts[AgencyKind.SPECIAL_ZONE],
        departments=counts[AgencyKind.DEPARTMENT],
    )


def is_official(account: Any) -> bool:
    return bool(getattr(account, "kind", None) == AccountKind.OFFICIAL)


def communes_of(agency: Agency) -> set[Any]:
    """The ids of the communes (wards, special zones) the agency is, or is under."""
    return set(Agency.objects.filter(
        pk__in=[p for p in agency.path.split("/") if p],
        kind__in=AgencyKind.local_government()).values_list("pk", flat=True))


def agency_by_electronic_id_code(code: str) -> Agency | None:
    return Agency.objects.filter(electronic_id_code=code).first()


def agencies_by_admin_unit_codes(codes: list[str]) -> list[Agency]:
    return list(Agency.objects.filter(admin_unit_code__in=codes))
