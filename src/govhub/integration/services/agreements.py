"""Data-sharing agreements (thỏa thuận chia sẻ dữ liệu) and consumers' quotas.

Deny by default: a consumer reaches a service only through an approved agreement, and only
inside its validity window (the snapshot carries the window; the gateway checks the time on
every request, so expiry needs no write). Decree 194/2025: a refusal to share is written,
with its reason and its legal basis."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.identity.people.access import signed_in_account
from govhub.integration import events
from govhub.integration.models import Agreement, AgreementStatus, Operation, Quota, Service, System
from govhub.integration.services.scope import agency_id, require_operator
from govhub.integration.snapshots import publish_snapshot_on_commit
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.events import publish_on_commit


def _locked(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related(
        "consumer__member", "service__system__member").get(pk=agreement.pk)


def _audit(actor: Actor, agreement: Agreement, action: str, before: dict[str, Any] | None,
           agency: Any) -> None:
    after = {**snapshot(agreement),
             "operations": sorted(agreement.operations.values_list("code", flat=True))}
    record_audit(actor=actor, action=action, target=agreement, before=before, after=after,
                 agency_id=agency_id(agency))


def _require_status(agreement: Agreement, *allowed: str) -> None:
    if agreement.status not in allowed:
        raise ValidationError(_("This agreement is %(status)s; that step is not possible now.")
                              % {"status": agreement.get_status_display()}, code="status")


@transaction.atomic
def request_agreement(*, actor: Actor, consumer: System, service: Service, legal_basis: str,
                      purpose: str, valid_from: datetime, valid_until: datetime,
                      operations: list[Operation] | None = None,
                      fields: list[str] | None = None, submit: bool = True) -> Agreement:
    """A consumer's request (submitted at once unless ``submit`` is false: a draft)."""
    require_operator(actor, consumer.scope_agency)
    if valid_until <= valid_from:
        raise ValidationError({"valid_until": _("The end must be after the start.")})
    foreign = [o.code for o in operations or [] if o.service_id != service.pk]
    if foreign:
        raise ValidationError({"operations": _("Not operations of this service: %(codes)s")
                               % {"codes": ", ".join(foreign)}})
    agreement = Agreement(
        consumer=consumer, service=service, legal_basis=legal_basis.strip(),
        purpose=purpose.strip(), fields=[f.strip() for f in fields or [] if f.strip()],
        valid_from=valid_from, valid_until=valid_until,
        requested_by=signed_in_account(actor),
        status=AgreementStatus.SUBMITTED if submit else AgreementStatus.DRAFT)
    agreement.full_clean()
    agreement.save()
    agreement.operations.set(operations or [])
    _audit(actor, agreement, AuditAction.CREATE, None, consumer.scope_agency)
    if submit:
        publish_on_commit(events.AgreementRequested(agreement_id=agreement.pk))
    return agreement


@transaction.atomic
def submit_agreement(*, actor: Actor, agreement: Agreement) -> Agreement:
    agreement = _locked(agreement)
    require_operator(actor, agreement.consumer.scope_agency)
    _require_status(agreement, AgreementStatus.DRAFT)
    before = snapshot(agreement)
    agreement.status = AgreementStatus.SUBMITTED
    agreement.save(update_fields=["status", "updated_at"])
    _audit(actor, agreement, AuditAction.UPDATE, before, agreement.consumer.scope_agency)
    publish_on_commit(events.AgreementRequested(agreement_id=agreement.pk))
    return agreement


def _decide(actor: Actor, agreement: Agreement, status: str, **values: Any) -> Agreement:
    # The provider decides: an operator in the agency that owns the service.
    require_operator(actor, agreement.service.scope_agency)
    _require_status(agreement, AgreementStatus.SUBMITTED)
    before = snapshot(agreement)
    agreement.status = status
    agreement.decided_by = signed_in_account(actor)
    agreement.decided_at = timezone.now()
    for name, value in values.items():
        setattr(agreement, name, value)
    agreement.save()
    _audit(actor, agreement, AuditAction.UPDATE, before, agreement.service.scope_agency)
    publish_on_commit(events.AgreementDecided(agreement_id=agreement.pk, status=status))
    return agreement


@transaction.atomic
def approve_agreement(*, actor: Actor, agreement: Agreement) -> Agreement:
    agreement = _decide(actor, _locked(agreement), AgreementStatus.APPROVED)
    publish_snapshot_on_commit("agreement approved")
    return agreement


@transaction.atomic
def refuse_agreement(*, actor: Actor, agreement: Agreement, reason: str,
                     legal_basis: str) -> Agreement:
    """Decree 194/2025: the refusal states why and on what legal basis; both are required
    and the requester sees them."""
    errors = {}
    if not reason.strip():
        errors["refusal_reason"] = _("Write the reason for refusing.")
    if not legal_basis.strip():
        errors["refusal_legal_basis"] = _("Cite the legal basis for refusing.")
    if errors:
        raise ValidationError(errors)
    return _decide(actor, _locked(agreement), AgreementStatus.REFUSED,
                   refusal_reason=reason.strip(), refusal_legal_basis=legal_basis.strip())


@transaction.atomic
def revoke_agreement(*, actor: Actor, agreement: Agreement) -> Agreement:
    agreement = _locked(agreement)
    require_operator(actor, agreement.service.scope_agency)
    _require_status(agreement, AgreementStatus.APPROVED)
    before = snapshot(agreement)
    agreement.status = AgreementStatus.REVOKED
    agreement.revoked_at = timezone.now()
    agreement.save(update_fields=["status", "revoked_at", "updated_at"])
    _audit(actor, agreement, AuditAction.UPDATE, before, agreement.service.scope_agency)
    publish_on_commit(events.AgreementRevoked(agreement_id=agreement.pk))
    publish_snapshot_on_commit("agreement revoked")
    return agreement


@transaction.atomic
def set_quota(*, actor: Actor, system: System, requests: int, per_seconds: int) -> Quota:
    require_operator(actor, system.scope_agency)
    quota = Quota.objects.select_for_update().filter(system=system).first() or Quota(
        system=system)
    before = snapshot(quota) if quota.pk and not quota._state.adding else None
    quota.requests, quota.per_seconds = requests, per_seconds
    if requests <= 0 or per_seconds <= 0:
        raise ValidationError(_("Requests and period must both be above zero."))
    quota.full_clean()
    quota.save()
    record_audit(actor=actor, action=AuditAction.UPDATE if before else AuditAction.CREATE,
                 target=quota, before=before, after=snapshot(quota),
                 agency_id=agency_id(system.scope_agency))
    publish_snapshot_on_commit("quota set")
    return quota
