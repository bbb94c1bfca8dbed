"""Members (agencies by electronic identification code) and their systems."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from govhub.identity.people.services.rules import assign_fields
from govhub.integration.models import Member, System
from govhub.integration.services.scope import agency_id, require_operator
from govhub.integration.snapshots import publish_snapshot_on_commit
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction

MEMBER_FIELDS = frozenset({"code", "name", "agency", "is_central"})
SYSTEM_FIELDS = frozenset({"code", "name", "description", "agency"})


@transaction.atomic
def create_member(*, actor: Actor, code: str, name: str, agency: Any = None,
                  is_central: bool = False) -> Member:
    # A ministry has no provincial agency, so only a platform-wide operator registers one.
    require_operator(actor, agency)
    member = Member(code=code, name=name, agency=agency, is_central=is_central)
    member.full_clean()
    member.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=member, after=snapshot(member),
                 agency_id=agency_id(agency))
    publish_snapshot_on_commit("member created")
    return member


@transaction.atomic
def update_member(*, actor: Actor, member: Member, **changes: Any) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    require_operator(actor, member.agency)
    before = snapshot(member)
    assign_fields(member, changes, MEMBER_FIELDS)
    require_operator(actor, member.agency)
    member.full_clean()
    member.save()
    record_audit(actor=actor, action=AuditAction.UPDATE, target=member, before=before,
                 after=snapshot(member), agency_id=agency_id(member.agency))
    publish_snapshot_on_commit("member updated")
    return member


@transaction.atomic
def create_system(*, actor: Actor, member: Member, code: str, name: str, description: str = "",
                  agency: Any = None) -> System:
    system = System(member=member, code=code, name=name, description=description,
                    agency=agency)
    require_operator(actor, system.scope_agency)
    system.full_clean()
    system.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=system, after=snapshot(system),
                 agency_id=agency_id(system.scope_agency))
    publish_snapshot_on_commit("system created")
    return system


@transaction.atomic
def update_system(*, actor: Actor, system: System, **changes: Any) -> System:
    system = System.objects.select_for_update().select_related("member").get(pk=system.pk)
    require_operator(actor, system.scope_agency)
    before = snapshot(system)
    assign_fields(system, changes, SYSTEM_FIELDS)
    require_operator(actor, system.scope_agency)  # and may not move it out of their scope
    system.full_clean()
    system.save()
    record_audit(actor=actor, action=AuditAction.UPDATE, target=system, before=before,
                 after=snapshot(system), agency_id=agency_id(system.scope_agency))
    publish_snapshot_on_commit("system updated")
    return system
