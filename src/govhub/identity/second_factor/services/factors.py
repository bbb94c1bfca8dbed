"""Writes of second factors: setting up an authenticator app, registering a
passkey, backup codes, removing a factor, and recording each use.

Setting up and removing are self-service: only the account holder (or the system) may do
them, each audited. Using a factor during sign-in updates its counters (the TOTP step,
the passkey signature counter); that bookkeeping is not audited on its own, because the
sign-in it completes is (``sign_in`` audit entry, whose ``amr`` names the method). Using a
backup code is audited: it is a recovery, administrators want to see it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.identity import events
from govhub.identity.models import Account, AccountKind, AuthenticatorApp, BackupCode, Passkey
from govhub.identity.people import roles
from govhub.identity.people.services.rules import require_permission
from govhub.identity.second_factor import methods as second_factor
from govhub.identity.second_factor.passkeys import Assertion, NewCredential, PasskeyError
from govhub.kernel.actors import Actor, is_system
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.events import publish_on_commit


def _require_self(actor: Actor, account: Account) -> None:
    if not is_system(actor) and getattr(actor, "pk", None) != account.pk:
        raise PermissionDenied(_("Only the account holder can change its second factors."))


def _scope_id(account: Account) -> Any:
    return account.agency_id or account.commune_id


def _lock(account: Account) -> Account:
    """Serialises every change of one account's factors (the last-factor rule reads,
    then deletes)."""
    return Account.objects.select_for_update().get(pk=account.pk)


def _issue_backup_codes(actor: Actor, account: Account) -> list[str]:
    account.backup_codes.all().delete()
    codes = second_factor.new_backup_codes()
    BackupCode.objects.bulk_create(
        BackupCode(account=account, digest=second_factor.backup_code_digest(code))
        for code in codes)
    record_audit(actor=actor, action=AuditAction.CREATE, target=account,
                 target_type="identity.backupcode",
                 target_label=_("Backup codes of %(account)s") % {"account": account.username},
                 after={"backup_codes": len(codes)}, agency_id=_scope_id(account))
    return codes


def _first_backup_codes(actor: Actor, account: Account) -> list[str] | None:
    """Ten codes with the first factor; none if unused codes are already on file."""
    if account.backup_codes.filter(used_at__isnull=True).exists():
        return None
    return _issue_backup_codes(actor, account)


@transaction.atomic
def set_up_authenticator_app(*, actor: Actor, account: Account, secret: str,
                             code: str) -> list[str] | None:
    """Keeps the app once its first code proves it holds ``secret``; replaces an earlier
    app. Returns new backup codes when this is the account's first factor (shown once)."""
    _require_self(actor, account)
    account = _lock(account)
    step = second_factor.matching_step(secret, code)
    if step is None:
        raise ValidationError({"code": _("The code is not correct. Enter the 6 digits the "
                                         "app shows now.")})
    app, created = AuthenticatorApp.objects.update_or_create(account=account, defaults={
        # The confirming code counts as used (RFC 6238 §5.2).
        "secret_ciphertext": second_factor.encrypt_secret(secret),
        "last_used_step": step, "last_used_at": None})
    record_audit(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
                 target=app, after=snapshot(app), agency_id=_scope_id(account))
    codes = _first_backup_codes(actor, account)
    publish_on_commit(events.SecondFactorAdded(account_id=account.pk,
                                               method="authenticator_app"))
    return codes


@transaction.atomic
def register_passkey(*, actor: Actor, account: Account, credential: NewCredential,
                     nickname: str) -> tuple[Passkey, list[str] | None]:
    _require_self(actor, account)
    account = _lock(account)
    passkey = Passkey(account=account, nickname=nickname.strip()[:100] or _("Passkey"),
                      credential_id=credential.credential_id,
                      public_key=credential.public_key, sign_count=credential.sign_count,
                      transports=credential.transports, is_synced=credential.is_synced)
    passkey.full_clean()
    passkey.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=passkey,
                 after=snapshot(passkey), agency_id=_scope_id(account))
    codes = _first_backup_codes(actor, account)
    publish_on_commit(events.SecondFactorAdded(account_id=account.pk, method="passkey"))
    return passkey, codes


def _refuse_removing_last(account: Account, remaining: int) -> None:
    if remaining == 0 and second_factor.role_requires_second_factor(account):
        raise ValidationError(_("Your role requires a second factor, and this is your last "
                                "one. Add another authenticator app or passkey first."))


def _after_removal(actor: Actor, account: Account, remaining: int, method: str) -> None:
    if remaining == 0:
        # Backup codes only recover a factor; with none left they would be a way in.
        account.backup_codes.all().delete()
    publish_on_commit(events.SecondFactorRemoved(account_id=account.pk, method=method))


@transaction.atomic
def remove_authenticator_app(*, actor: Actor, account: Account) -> None:
    _require_self(actor, account)
    account = _lock(account)
    app = AuthenticatorApp.objects.filter(account=account).first()
    if app is None:
        return
    remaining = account.passkeys.count()
    _refuse_removing_last(account, remaining)
    record_audit(actor=actor, action=AuditAction.DELETE, target=app, before=snapshot(app),
                 agency_id=_scope_id(account))
    app.delete()
    _after_removal(actor, account, remaining, "authenticator_app")


@transaction.atomic
def remove_passkey(*, actor: Actor, passkey: Passkey) -> None:
    account = _lock(passkey.account)
    _require_self(actor, account)
    passkey = Passkey.objects.get(pk=passkey.pk, account=account)
    remaining = (account.passkeys.exclude(pk=passkey.pk).count()
                 + AuthenticatorApp.objects.filter(account=account).count())
    _refuse_removing_last(account, remaining)
    record_audit(actor=actor, action=AuditAction.DELETE, target=passkey,
                 before=snapshot(passkey), agency_id=_scope_id(account))
    passkey.delete()
    _after_removal(actor, account, remaining, "passkey")


@transaction.atomic
def regenerate_backup_codes(*, actor: Actor, account: Account) -> list[str]:
    """A new set of ten; every earlier code stops working."""
    _require_self(actor, account)
    account = _lock(account)
    if not second_factor.has_second_factor(account):
        raise ValidationError(_("Set up an authenticator app or a passkey first."))
    return _issue_backup_codes(actor, account)


@transaction.atomic
def reset_second_factors(*, actor: Actor, account: Account) -> None:
    """An administrator's help for an official who lost every factor and every backup code:
    all are removed, and the next sign-in asks to set one up again."""
    if account.kind == AccountKind.OFFICIAL:
        require_permission(actor, roles.MANAGE_ACCOUNT, account.agency)
    else:
        require_permission(actor, roles.MANAGE_ACCOUNT, account.commune)
    if not is_system(actor) and actor.pk == account.pk:
        raise PermissionDenied(_("Ask another administrator to reset your second factors."))
    account = _lock(account)
    before = {"authenticator_app": AuthenticatorApp.objects.filter(account=account).exists(),
              "passkeys": [p.nickname for p in account.passkeys.all()],
              "backup_codes": account.backup_codes.filter(used_at__isnull=True).count()}
    AuthenticatorApp.objects.filter(account=account).delete()
    account.passkeys.all().delete()
    account.backup_codes.all().delete()
    record_audit(actor=actor, action=AuditAction.DELETE, target=account,
                 target_type="identity.secondfactor",
                 target_label=_("Second factors of %(account)s") % {"account": account.username},
                 before=before, agency_id=_scope_id(account))
    publish_on_commit(events.SecondFactorRemoved(account_id=account.pk, method="all"))


# --- Uses during sign-in ---------------------------------------------------------------------

@transaction.atomic
def use_authenticator_app(*, account: Account, code: str) -> bool:
    """Is ``code`` the app's current code, not used before? Records its time step."""
    app = AuthenticatorApp.objects.select_for_update().filter(account=account).first()
    if app is None:
        return False
    step = second_factor.matching_step(second_factor.decrypt_secret(app.secret_ciphertext),
                                       code, after_step=app.last_used_step)
    if step is None:
        return False
    app.last_used_step, app.last_used_at = step, timezone.now()
    app.save(update_fields=["last_used_step", "last_used_at", "updated_at"])
    return True


@transaction.atomic
def use_backup_code(*, account: Account, code: str) -> int | None:
    """Spends one backup code. Returns how many are left, or ``None`` if ``code`` is not
    an unused code of this account."""
    if not second_factor.has_second_factor(account):
        return None
    backup = (BackupCode.objects.select_for_update()
              .filter(account=account, used_at__isnull=True,
                      digest=second_factor.backup_code_digest(code)).first())
    if backup is None:
        return None
    backup.used_at = timezone.now()
    backup.save(update_fields=["used_at", "updated_at"])
    left = account.backup_codes.filter(used_at__isnull=True).count()
    record_audit(actor=account, action=AuditAction.UPDATE, target=backup,
                 before={"used_at": None}, after={"used_at": backup.used_at, "left": left},
                 agency_id=_scope_id(account))
    return left


@transaction.atomic
def use_passkey(*, assertion: Assertion) -> Passkey:
    """Records the authenticator's new signature counter (WebAuthn §6.1.1: a counter that
    goes backwards betrays a cloned authenticator; py_webauthn refuses it)."""
    passkey = Passkey.objects.select_for_update().get(pk=assertion.passkey.pk)
    if passkey.sign_count and assertion.new_sign_count <= passkey.sign_count:
        raise PasskeyError("counter did not increase")  # a concurrent use of the same key
    passkey.sign_count = assertion.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at", "updated_at"])
    return passkey
