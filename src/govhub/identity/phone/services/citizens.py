"""Writes of citizens who sign themselves up: a first sign-in with a one-time code to a
phone creates the account."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.identity.models import Account, AccountKind, Agency, AgencyKind
from govhub.identity.people import phone_numbers
from govhub.identity.people.services.accounts import create_account
from govhub.identity.phone.codes import VerifiedPhone
from govhub.kernel.actors import Actor, SystemActor
from govhub.kernel.audit import record_audit
from govhub.kernel.audit_actions import AuditAction

# The visitor has no account yet, so the platform creates it on their behalf; what
# authorises the write is the proof that they hold the phone (VerifiedPhone).
PHONE_SELF_REGISTRATION = SystemActor("self-registration by phone")


def citizen_with_phone(phone: str) -> Account | None:
    """The account holding this number (national form), whichever stored form it uses."""
    return Account.objects.filter(phone__in=phone_numbers.stored_forms(phone)).first()


def _free_username(phone: str) -> str:
    # The number itself reads well as a username; another account may hold it already
    # (an official named their account after a number), so fall back to a suffix.
    if not Account.objects.filter(username__iexact=phone).exists():
        return phone
    return f"{phone}-{secrets.token_hex(3)}"


@transaction.atomic
def register_citizen_by_phone(
    *, verified_phone: VerifiedPhone, full_name: str, commune: Agency,
    actor: Actor = PHONE_SELF_REGISTRATION,
) -> Account:
    """Create the citizen account of a person who proved they hold ``verified_phone``,
    living in ``commune`` (their commune of residence scopes who manages the account).
    If the number has an account already (a second tab, a double submit), that account is
    returned unchanged. Audited by :func:`create_account`."""
    if not verified_phone.is_fresh():
        raise PermissionDenied(_("The phone check has expired. Request a new code."))
    if not commune.is_active or commune.kind not in AgencyKind.local_government():
        raise ValidationError({"commune": _("Choose your commune or ward.")})
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": _("Enter your full name.")})
    existing = citizen_with_phone(verified_phone.phone)
    if existing is not None:
        return existing
    account = create_account(
        actor=actor, username=_free_username(verified_phone.phone), full_name=full_name,
        kind=AccountKind.CITIZEN, phone=verified_phone.phone, commune=commune,
    )
    return confirm_phone(account=account, verified_phone=verified_phone, actor=actor)


@transaction.atomic
def confirm_phone(*, account: Account, verified_phone: VerifiedPhone, actor: Actor) -> Account:
    """Record that the account's holder proved its phone number with an SMS code (the claim
    ``phone_number_verified``). Nothing changes if the number is not the account's."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    if account.phone != verified_phone.phone or account.phone_verified_at is not None:
        return account
    account.phone_verified_at = timezone.now()
    account.save(update_fields=["phone_verified_at"])
    record_audit(actor=actor, action=AuditAction.UPDATE, target=account,
                 after={"phone_verified": True},
                 agency_id=account.commune_id)
    return account
