"""Writes of a sign-in through an upstream identity provider (VNeID, through the national
public-service portal): the person is known by their personal identification number, so the
account is found by its keyed digest or made for them, and its assurance level follows the
strongest level the upstream has vouched for. docs/decisions/0011-vneid-federation.md"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from govhub.identity.models import PHONE, Account, AccountKind, SignInSession
from govhub.identity.people import personal_id
from govhub.identity.people.services.accounts import create_account, update_account
from govhub.identity.queries import find_account_by_personal_id
from govhub.identity.sso.services.sign_in import end_sign_in
from govhub.kernel.actors import Actor, SystemActor
from govhub.kernel.audit import record_audit
from govhub.kernel.audit_actions import AuditAction

# The actor of the writes VNeID causes: the audit log reads "[vneid]", not a person, because
# no one in govhub decided them; the upstream vouched for the person.
VNEID = SystemActor("vneid")
USERNAME_PREFIX = "vneid-"
# A username is "vneid-" + the start of the keyed digest: stable for a person, meaningless
# to anyone without GOVHUB_PII_KEY (the number itself must never be a username).
USERNAME_DIGEST_LENGTHS = (12, 16, 24, 64)


class AccountDisabledError(Exception):
    """The number belongs to an account that an administrator has disabled."""


@dataclass(frozen=True)
class FederatedIdentity:
    """Who the upstream says signed in. The number, birth date and phone are personal data
    (Law 91/2025/QH15): kept out of ``repr`` so that no log line or traceback carries them."""

    personal_id: str = field(repr=False)
    full_name: str
    level: int  # govhub assurance level vouched for: 1 or 2 (Decree 69/2024/NĐ-CP)
    birth_date: dt.date | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)


def _free_username(number: str) -> str:
    digest = personal_id.digest(number)
    for length in USERNAME_DIGEST_LENGTHS:
        username = USERNAME_PREFIX + digest[:length]
        if not Account.objects.filter(username__iexact=username).exists():
            return username
    raise ValidationError(_("No free username for this account."))


def _usable_phone(phone: str | None, account: Account | None = None) -> str | None:
    """The upstream's phone number if it is valid and no other account has it (a phone is
    unique in govhub, and taking it from someone else would hand them a sign-in method)."""
    if not phone:
        return None
    try:
        PHONE(phone)
    except ValidationError:
        return None
    others = Account.objects.filter(phone=phone)
    if account is not None:
        others = others.exclude(pk=account.pk)
    return None if others.exists() else phone


@transaction.atomic
def sign_in_with_vneid(*, identity: FederatedIdentity, actor: Actor = VNEID) -> Account:
    """The account of the person VNeID signed in: found by the keyed digest of their
    personal identification number, or created as a citizen account. The assurance level
    only ever rises here (a level-1 sign-in does not undo an earlier level-2 check). Each
    change is an audited create or update; the sign-in itself is audited by
    ``login_flow.complete_sign_in``."""
    number = personal_id.normalise(identity.personal_id)
    found = find_account_by_personal_id(number)
    if found is None:
        # The birth date has no field on Account, so it is not kept (Law 91/2025/QH15:
        # only what is needed).
        return create_account(
            actor=actor, username=_free_username(number), full_name=identity.full_name,
            kind=AccountKind.CITIZEN, assurance_level=identity.level,
            phone=_usable_phone(identity.phone), personal_id_number=number,
        )
    account = Account.objects.select_for_update().get(pk=found.pk)
    if not account.is_active:
        raise AccountDisabledError
    changes: dict[str, Any] = {}
    if identity.level > account.assurance_level:
        changes["assurance_level"] = identity.level
    # The national population database is the source of a citizen's legal name; an
    # official's name is kept by their agency's administrators.
    if account.kind == AccountKind.CITIZEN and identity.full_name != account.full_name:
        changes["full_name"] = identity.full_name
    if account.phone is None and (phone := _usable_phone(identity.phone, account)):
        changes["phone"] = phone
    if changes:
        account = update_account(actor=actor, account=account, **changes)
    return account


@transaction.atomic
def record_upstream_session(*, sid: str, upstream_sid: str) -> None:
    """Keeps the upstream's session id with govhub's sign-in session ``sid``, so that the
    upstream's back-channel logout token (which names it) can end it."""
    session = (SignInSession.objects.select_for_update()
               .filter(sid=sid, ended_at__isnull=True).first())
    if session is None or not upstream_sid:
        return
    session.upstream_sid = upstream_sid
    session.save(update_fields=["upstream_sid", "updated_at"])
    account = session.account
    record_audit(actor=VNEID, action=AuditAction.UPDATE, target=session,
                 target_label=account.username, after={"sid": sid, "upstream_session": True},
                 agency_id=account.agency_id or account.commune_id)


def end_upstream_sessions(*, upstream_sid: str) -> int:
    """The citizen signed out at VNeID: every govhub sign-in session that came from that
    upstream session ends, which signs the browser out and tells the apps of each session
    (govhub's own back-channel logout). Returns how many ended."""
    ended = 0
    for session in SignInSession.objects.filter(upstream_sid=upstream_sid,
                                                ended_at__isnull=True):
        end_sign_in(actor=VNEID, sign_in_session=session)
        ended += 1
    return ended
