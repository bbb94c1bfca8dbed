"""Thin API operations: parse → authorise (inside the query or service) → respond."""


from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.security import SessionAuth

from govhub.identity import queries
from govhub.identity.api_auth import AccessTokenAuth, admin_api_auth
from govhub.identity.models import Account, AccountKind, Agency, AgencyKind, Role
from govhub.identity.organisation.services import agencies
from govhub.identity.people import roles
from govhub.identity.people.access import access_for
from govhub.identity.people.services import accounts, grants
from govhub.identity.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    AuditEntryOut,
    MeOut,
    RoleAssignmentIn,
    RoleAssignmentOut,
    RoleOut,
)
from govhub.kernel.actors import Actor
from govhub.kernel.models import AuditEntry
from govhub.kernel.pagination import PagePagination

router = Router(tags=["identity"], auth=admin_api_auth())
audit_router = Router(tags=["audit"], auth=admin_api_auth())


def _agency_field(actor: Actor, field: str, agency_id: UUID | None,
                  permission: str) -> Agency | None:
    """Resolve an agency id the actor may use; unknown and out-of-scope look the same."""
    if agency_id is None:
        return None
    agency = queries.agencies(actor, permission).filter(pk=agency_id).first()
    if agency is None:
        raise ValidationError({field: _("No such agency within your scope.")})
    return agency


@router.get("/me", response=MeOut, summary="The signed-in account and its grants",
            auth=[AccessTokenAuth(), SessionAuth()])
def me(request: HttpRequest) -> dict[str, Any]:
    access = access_for(request.user)
    account: Account = request.user  # type: ignore[assignment]
    return {
        "id": account.pk, "username": account.username, "full_name": account.full_name,
        "kind": account.kind, "agency_id": account.agency_id,
        "grants": [{"role": g.role_code, "agency_id": g.agency_id} for g in access.grants],
        "permissions": sorted(p for p in roles.PERMISSIONS if access.has(p)),
    }


class AgencyFilter(Schema):
    kind: AgencyKind | None = None
    parent_id: UUID | None = None
    q: str | None = None


@router.get("/agencies", response=list[AgencyOut])
@paginate(PagePagination)
def list_agencies(request: HttpRequest, filters: Query[AgencyFilter]) -> QuerySet[Agency]:
    agencies = queries.agencies(request.user)
    if filters.kind:
        agencies = agencies.filter(kind=filters.kind)
    if filters.parent_id:
        agencies = agencies.filter(parent_id=filters.parent_id)
    if filters.q:
        agencies = agencies.filter(
            Q(name__icontains=filters.q) | Q(short_name__icontains=filters.q)
            | Q(admin_unit_code=filters.q)
        )
    return agencies


@router.get("/agencies/{agency_id}", response=AgencyOut)
def get_agency(request: HttpRequest, agency_id: UUID) -> Agency:
    return get_object_or_404(queries.agencies(request.user), pk=agency_id)


@router.post("/agencies", response={201: AgencyOut})
def create_agency(request: HttpRequest, payload: AgencyIn) -> tuple[int, Agency]:
    fields = payload.model_dump(exclude={"parent_id"})
    parent = _agency_field(request.user, "parent_id", payload.parent_id, roles.MANAGE_AGENCY)
    return 201, agencies.create_agency(actor=request.user, parent=parent, **fields)


@router.patch("/agencies/{agency_id}", response=AgencyOut)
def update_agency(request: HttpRequest, agency_id: UUID, payload: AgencyPatch) -> Agency:
    agency = get_object_or_404(queries.agencies(request.user), pk=agency_id)
    changes = payload.model_dump(exclude_unset=True)
    if "parent_id" in changes:
        changes["parent"] = _agency_field(request.user, "parent_id", changes.pop("parent_id"),
                                          roles.MANAGE_AGENCY)
    return agencies.update_agency(actor=request.user, agency=agency, **changes)


class AccountFilter(Schema):
    kind: AccountKind | None = None
    agency_id: UUID | None = None
    q: str | None = None


@router.get("/accounts", response=list[AccountOut])
@paginate(PagePagination)
def list_accounts(request: HttpRequest, filters: Query[AccountFilter]) -> QuerySet[Account]:
    accounts = queries.accounts(request.user)
    if filters.kind:
        accounts = accounts.filter(kind=filters.kind)
    if filters.agency_id:
        accounts = accounts.filter(agency_id=filters.agency_id)
    if filters.q:
        accounts = accounts.filter(Q(full_name__icontains=filters.q) |
                                   Q(username__icontains=filters.q) | Q(phone=filters.q))
    return accounts


@router.get("/accounts/{account_id}", response=AccountOut)
def get_account(request: HttpRequest, account_id: UUID) -> Account:
    return get_object_or_404(queries.accounts(request.user), pk=account_id)


@router.post("/accounts", response={201: AccountOut})
def create_account(request: HttpRequest, payload: AccountIn) -> tuple[int, Account]:
    fields = payload.model_dump(exclude={"agency_id", "commune_id", "personal_id", "password"})
    fields["agency"] = _agency_field(request.user, "agency_id", payload.agency_id,
                                     roles.MANAGE_ACCOUNT)
    fields["commune"] = _agency_field(request.user, "commune_id", payload.commune_id,
                                      roles.VIEW_AGENCY)
    return 201, accounts.create_account(actor=request.user, password=payload.password,
                                        personal_id_number=payload.personal_id, **fields)


@router.patch("/accounts/{account_id}", response=AccountOut)
def update_account(request: HttpRequest, account_id: UUID, payload: AccountPatch) -> Account:
    account = get_object_or_404(queries.accounts(request.user), pk=account_id)
    changes = payload.model_dump(exclude_unset=True)
    number = changes.pop("personal_id", None)
    for field, name, permission in (("agency_id", "agency", roles.MANAGE_ACCOUNT),
                                    ("commune_id", "commune", roles.VIEW_AGENCY)):
        if field in changes:
            changes[name] = _agency_field(request.user, field, changes.pop(field), permission)
    return accounts.update_account(actor=request.user, account=account,
                                   personal_id_number=number, **changes)


@router.get("/roles", response=list[RoleOut])
def list_roles(request: HttpRequest) -> QuerySet[Role]:
    return Role.objects.all()


class AssignmentFilter(Schema):
    account_id: UUID | None = None
    agency_id: UUID | None = None


@router.get("/role-assignments", response=list[RoleAssignmentOut])
@paginate(PagePagination)
def list_role_assignments(request: HttpRequest, filters: Query[AssignmentFilter]) -> QuerySet:
    assignments = queries.role_assignments(request.user)
    if filters.account_id:
        assignments = assignments.filter(account_id=filters.account_id)
    if filters.agency_id:
        assignments = assignments.filter(agency_id=filters.agency_id)
    return assignments


@router.post("/role-assignments", response={201: RoleAssignmentOut})
def grant_role(request: HttpRequest, payload: RoleAssignmentIn) -> tuple[int, Any]:
    account = queries.accounts(request.user).filter(pk=payload.account_id).first()
    if account is None:
        raise ValidationError({"account_id": _("No such account within your scope.")})
    role = Role.objects.filter(code=payload.role).first()
    if role is None:
        raise ValidationError({"role": _("No such role.")})
    agency = _agency_field(request.user, "agency_id", payload.agency_id, roles.MANAGE_ROLES)
    assert agency is not None
    return 201, grants.grant_role(actor=request.user, account=account, role=role,
                                    agency=agency, valid_until=payload.valid_until)


@router.delete("/role-assignments/{assignment_id}", response={204: None})
def revoke_role(request: HttpRequest, assignment_id: UUID) -> tuple[int, None]:
    assignment = get_object_or_404(queries.role_assignments(request.user), pk=assignment_id)
    grants.revoke_role(actor=request.user, assignment=assignment)
    return 204, None


class AuditFilter(Schema):
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    actor_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


@audit_router.get("/entries", response=list[AuditEntryOut])
@paginate(PagePagination)
def list_audit_entries(request: HttpRequest, filters: Query[AuditFilter]) -> QuerySet[AuditEntry]:
    entries = queries.audit_entries(request.user)
    for name in ("action", "target_type", "target_id", "actor_id"):
        value = getattr(filters, name)
        if value:
            entries = entries.filter(**{name: value})
    if filters.since:
        entries = entries.filter(occurred_at__gte=filters.since)
    if filters.until:
        entries = entries.filter(occurred_at__lt=filters.until)
    return entries
