"""Every write of the identity context (conventions.md): one function per action, one
transaction, authorised through :mod:`govhub.identity.access`, an audit entry with
before/after values, and a domain event published on commit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import translation
from django.utils.translation import gettext as _

from govhub.identity import personal_id, roles
from govhub.identity.access import access_for, forget_access
from govhub.identity.models import Account, AccountKind, Agency, Role, RoleAssignment
from govhub.kernel.actors import is_system
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.events import publish_on_commit
from govhub.kernel.models import AuditAction

AGENCY_FIELDS = frozenset({"parent", "kind", "name", "short_name", "electronic_id_code",
                           "admin_unit_code", "address", "phone", "email", "website",
                           "is_active"})
ACCOUNT_FIELDS = frozenset({"username", "full_name", "kind", "email", "phone", "agency",
                            "position", "commune", "assurance_level", "is_active"})


def _require(actor: Any, permission: str, agency: Agency | None) -> None:
    if not access_for(actor).has(permission, agency):
        raise PermissionDenied(_("You do not have permission for this action in this agency."))


def _assign(instance: Any, changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    for name, value in changes.items():
        setattr(instance, name, value)


# --- Roles ------------------------------------------------------------------------------

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


# --- Agencies ---------------------------------------------------------------------------

def _path_for(agency: Agency) -> str:
    prefix = agency.parent.path if agency.parent_id and agency.parent else "/"
    return f"{prefix}{agency.pk.hex}/"


def _authorise_agency_parent(actor: Any, parent: Agency | None) -> None:
    if parent is None:
        if not access_for(actor).covers_everything(roles.MANAGE_AGENCY):
            raise PermissionDenied(_("Only a platform administrator can add a top-level agency."))
    else:
        _require(actor, roles.MANAGE_AGENCY, parent)


@transaction.atomic
def create_agency(*, actor: Any, **fields: Any) -> Agency:
    agency = Agency()
    _assign(agency, fields, AGENCY_FIELDS)
    _authorise_agency_parent(actor, agency.parent)
    agency.path = _path_for(agency)
    agency.full_clean()
    agency.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=agency, after=snapshot(agency),
                 agency_id=agency.pk)
    publish_on_commit("identity.agency_created", agency_id=str(agency.pk))
    return agency


@transaction.atomic
def update_agency(*, actor: Any, agency: Agency, **changes: Any) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    _require(actor, roles.MANAGE_AGENCY, agency)
    before = snapshot(agency)
    old_path = agency.path
    _assign(agency, changes, AGENCY_FIELDS)
    if "parent" in changes:
        if agency.parent is not None and agency.parent.path.startswith(old_path):
            raise ValidationError({"parent": _("An agency cannot be moved under itself.")})
        _authorise_agency_parent(actor, agency.parent)
        agency.path = _path_for(agency)
    agency.full_clean()
    agency.save()
    if agency.path != old_path:
        Agency.objects.filter(path__startswith=old_path).exclude(pk=agency.pk).update(
            path=Concat(Value(agency.path), Substr(F("path"), len(old_path) + 1))
        )
    record_audit(actor=actor, action=AuditAction.UPDATE, target=agency, before=before,
                 after=snapshot(agency), agency_id=agency.pk)
    publish_on_commit("identity.agency_updated", agency_id=str(agency.pk))
    return agency


# --- Accounts ---------------------------------------------------------------------------

def _scope_agency(account: Account) -> Agency | None:
    """The agency whose administrators manage this account."""
    if account.kind == AccountKind.CITIZEN and account.agency_id is None:
        return account.commune
    return account.agency


def _authorise_account(actor: Any, account: Account) -> None:
    scope = _scope_agency(account)
    if scope is None:
        if not access_for(actor).covers_everything(roles.MANAGE_ACCOUNT):
            raise PermissionDenied(_("Choose the agency or commune this account belongs to."))
        return
    _require(actor, roles.MANAGE_ACCOUNT, scope)


def _apply_personal_id(account: Account, raw: str | None) -> None:
    if raw is None:
        return
    if raw == "":
        account.personal_id_digest = None
        account.personal_id_ciphertext = ""
        account.personal_id_last_digits = ""
        return
    protected = personal_id.protect(raw)
    clash = Account.objects.filter(personal_id_digest=protected.digest).exclude(pk=account.pk)
    if clash.exists():
        raise ValidationError(
            {"personal_id": _("This personal identification number belongs to another account.")}
        )
    account.personal_id_digest = protected.digest
    account.personal_id_ciphertext = protected.ciphertext
    account.personal_id_last_digits = protected.last_digits


def _clean_account(account: Account) -> None:
    if account.email == "":
        account.email = None
    if account.phone == "":
        account.phone = None
    account.full_clean(exclude=["password"])


@transaction.atomic
def create_account(
    *, actor: Any, password: str | None = None, personal_id_number: str | None = None,
    **fields: Any,
) -> Account:
    account = Account()
    _assign(account, fields, ACCOUNT_FIELDS)
    _authorise_account(actor, account)
    _apply_personal_id(account, personal_id_number)
    if password:
        _validate_password(password, account)
        account.set_password(password)
    else:
        account.set_unusable_password()
    _clean_account(account)
    account.save()
    scope = _scope_agency(account)
    record_audit(actor=actor, action=AuditAction.CREATE, target=account,
                 after=snapshot(account), agency_id=scope.pk if scope else None)
    publish_on_commit("identity.account_created", account_id=str(account.pk))
    return account


@transaction.atomic
def update_account(
    *, actor: Any, account: Account, personal_id_number: str | None = None, **changes: Any
) -> Account:
    account = Account.objects.select_for_update().get(pk=account.pk)
    _authorise_account(actor, account)  # may manage it where it is now …
    before = snapshot(account)
    _assign(account, changes, ACCOUNT_FIELDS)
    _authorise_account(actor, account)  # … and where it is going
    _apply_personal_id(account, personal_id_number)
    _clean_account(account)
    account.save()
    scope = _scope_agency(account)
    record_audit(actor=actor, action=AuditAction.UPDATE, target=account, before=before,
                 after=snapshot(account), agency_id=scope.pk if scope else None)
    publish_on_commit("identity.account_updated", account_id=str(account.pk))
    return account


def _validate_password(password: str, account: Account) -> None:
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, account)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error


@transaction.atomic
def set_account_password(*, actor: Any, account: Account, password: str) -> None:
    account = Account.objects.select_for_update().get(pk=account.pk)
    if is_system(actor) or getattr(actor, "pk", None) != account.pk:
        _authorise_account(actor, account)
    _validate_password(password, account)
    account.set_password(password)
    account.save(update_fields=["password", "updated_at"])
    scope = _scope_agency(account)
    # The audit records that the password changed, never the password or its hash.
    record_audit(actor=actor, action=AuditAction.SET_PASSWORD, target=account,
                 agency_id=scope.pk if scope else None)


# --- Role assignments -------------------------------------------------------------------

@transaction.atomic
def grant_role(
    *, actor: Any, account: Account, role: Role, agency: Agency, valid_until: Any = None
) -> RoleAssignment:
    _require(actor, roles.MANAGE_ROLES, agency)
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
                                granted_by=None if is_system(actor) else actor)
    assignment.full_clean()
    assignment.save()
    record_audit(actor=actor, action=AuditAction.GRANT, target=assignment,
                 after=snapshot(assignment), agency_id=agency.pk)
    forget_access(account)
    publish_on_commit("identity.role_granted", assignment_id=str(assignment.pk),
                      account_id=str(account.pk), role=role.code, agency_id=str(agency.pk))
    return assignment


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment) -> None:
    assignment = RoleAssignment.objects.select_related("agency", "role", "account").get(
        pk=assignment.pk
    )
    _require(actor, roles.MANAGE_ROLES, assignment.agency)
    if assignment.role.is_global and not access_for(actor).covers_everything(roles.MANAGE_ROLES):
        raise PermissionDenied(_("Only a platform administrator can revoke this role."))
    before = snapshot(assignment)
    record_audit(actor=actor, action=AuditAction.REVOKE, target=assignment, before=before,
                 agency_id=assignment.agency_id)
    account_id, role_code = assignment.account_id, assignment.role.code
    assignment.delete()
    publish_on_commit("identity.role_revoked", account_id=str(account_id), role=role_code)


# --- Import of the official administrative units ---------------------------------------

@transaction.atomic
def import_province(*, actor: Any, province_code: int) -> tuple[Agency, int, int]:
    """Create or update the province and all its communes from the official list, matched
    on administrative-unit code, so a second run changes nothing.
    Returns the province and the number of agencies created and updated."""
    from govhub.identity import provinces

    created = updated = 0

    def upsert(division: provinces.Division, parent: Agency | None) -> Agency:
        nonlocal created, updated
        existing = Agency.objects.filter(admin_unit_code=division.code).first()
        wanted = {"name": division.name, "short_name": division.short_name,
                  "kind": division.kind, "parent": parent}
        if existing is None:
            created += 1
            return create_agency(actor=actor, admin_unit_code=division.code, **wanted)
        changes = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
        if not changes:
            return existing
        updated += 1
        return update_agency(actor=actor, agency=existing, **changes)

    province = upsert(provinces.province(province_code), None)
    for division in provinces.communes(province_code):
        upsert(division, province)
    return province, created, updated


@transaction.atomic
def create_platform_admin(
    *, actor: Any, username: str, full_name: str, password: str, email: str | None = None
) -> Account:
    """The first administrator of a new installation (``govhub createsuperuser``): an
    official of the top-level agency holding the platform-wide role."""
    root = Agency.objects.filter(parent=None, is_active=True).order_by("created_at").first()
    if root is None:
        raise ValidationError(_("No agency yet: run `govhub import_province <code>` first."))
    account = create_account(actor=actor, username=username, full_name=full_name,
                             email=email or None, kind=AccountKind.OFFICIAL, agency=root,
                             password=password)
    grant_role(actor=actor, account=account, role=Role.objects.get(code=roles.PLATFORM_ADMIN),
               agency=root)
    return account
