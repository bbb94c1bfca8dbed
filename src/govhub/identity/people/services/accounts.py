"""Writes of accounts: officials and citizens, passwords, personal identification numbers,
and the first platform administrator."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from govhub.identity import events
from govhub.identity.audit_actions import IdentityAction
from govhub.identity.models import Account, AccountKind, Agency, Role
from govhub.identity.people import personal_id, roles
from govhub.identity.people.access import access_for
from govhub.identity.people.phone_numbers import normalise_mobile
from govhub.identity.people.services.grants import grant_role
from govhub.identity.people.services.rules import assign_fields, require_permission
from govhub.kernel.actors import Actor, is_system
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.events import publish_on_commit

ACCOUNT_FIELDS = frozenset({"username", "full_name", "kind", "email", "phone", "agency",
                            "position", "commune", "assurance_level", "is_active"})


def _scope_agency(account: Account) -> Agency | None:
    """The agency whose administrators manage this account."""
    if account.kind == AccountKind.CITIZEN and account.agency_id is None:
        return account.commune
    return account.agency


def _authorise_account(actor: Actor, account: Account) -> None:
    scope = _scope_agency(account)
    if scope is None:
        if not access_for(actor).covers_everything(roles.MANAGE_ACCOUNT):
            raise PermissionDenied(_("Choose the agency or commune this account belongs to."))
        return
    require_permission(actor, roles.MANAGE_ACCOUNT, scope)


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
    elif account.phone:
        # One stored form per number ("0912345678"), so uniqueness means one account per
        # phone whatever form was typed ("+84 912 345 678"); a non-mobile value is left
        # for the field's own validator to report.
        account.phone = normalise_mobile(account.phone) or account.phone
    account.full_clean(exclude=["password"])


@transaction.atomic
def create_account(
    *, actor: Actor, password: str | None = None, personal_id_number: str | None = None,
    **fields: Any,
) -> Account:
    account = Account()
    assign_fields(account, fields, ACCOUNT_FIELDS)
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
    publish_on_commit(events.AccountCreated(account_id=account.pk))
    return account


@transaction.atomic
def update_account(
    *, actor: Actor, account: Account, personal_id_number: str | None = None, **changes: Any
) -> Account:
    account = Account.objects.select_for_update().get(pk=account.pk)
    _authorise_account(actor, account)  # may manage it where it is now …
    before = snapshot(account)
    old_phone = account.phone
    assign_fields(account, changes, ACCOUNT_FIELDS)
    if account.phone != old_phone:
        account.phone_verified_at = None  # a new number is proven only by its own code
    _authorise_account(actor, account)  # … and where it is going
    _apply_personal_id(account, personal_id_number)
    _clean_account(account)
    account.save()
    scope = _scope_agency(account)
    record_audit(actor=actor, action=AuditAction.UPDATE, target=account, before=before,
                 after=snapshot(account), agency_id=scope.pk if scope else None)
    publish_on_commit(events.AccountUpdated(account_id=account.pk))
    return account


def _validate_password(password: str, account: Account) -> None:
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, account)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error


@transaction.atomic
def set_account_password(*, actor: Actor, account: Account, password: str) -> None:
    account = Account.objects.select_for_update().get(pk=account.pk)
    if is_system(actor) or getattr(actor, "pk", None) != account.pk:
        _authorise_account(actor, account)
    _validate_password(password, account)
    account.set_password(password)
    account.save(update_fields=["password", "updated_at"])
    scope = _scope_agency(account)
    # The audit records that the password changed, never the password or its hash.
    record_audit(actor=actor, action=IdentityAction.SET_PASSWORD, target=account,
                 agency_id=scope.pk if scope else None)


@transaction.atomic
def create_platform_admin(
    *, actor: Actor, username: str, full_name: str, password: str, email: str | None = None
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
