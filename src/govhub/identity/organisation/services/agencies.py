"""Writes of the organisation tree: agencies, and the import of the official list of
communes (each one transaction, authorised, audited, with an event on commit)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from govhub.identity import events
from govhub.identity.models import Agency
from govhub.identity.people import roles
from govhub.identity.people.access import access_for
from govhub.identity.people.services.rules import assign_fields, require_permission
from govhub.kernel import problems
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.errors import DomainError
from govhub.kernel.events import publish_on_commit
from govhub_contracts.problem import FieldError

# What an agency is and where it sits decide whose communes citizens choose from and which
# subtree every role covers (access.py), so only a platform administrator changes them; an
# agency's own administrator keeps its name, codes and contacts up to date.
PLATFORM_ONLY_FIELDS = {"kind": "kind", "parent": "parent_id"}  # field → attribute

AGENCY_FIELDS = frozenset({"parent", "kind", "name", "short_name", "electronic_id_code",
                           "admin_unit_code", "address", "phone", "email", "website",
                           "is_active"})


def _path_for(agency: Agency) -> str:
    prefix = agency.parent.path if agency.parent_id and agency.parent else "/"
    return f"{prefix}{agency.pk.hex}/"


def _authorise_agency_parent(actor: Actor, parent: Agency | None) -> None:
    if parent is None:
        if not access_for(actor).covers_everything(roles.MANAGE_AGENCY):
            raise PermissionDenied(_("Only a platform administrator can add a top-level agency."))
    else:
        require_permission(actor, roles.MANAGE_AGENCY, parent)


def _require_platform_admin_to_move(actor: Any, agency: Agency, old: dict[str, Any]) -> None:
    changed = [name for name, attribute in PLATFORM_ONLY_FIELDS.items()
               if getattr(agency, attribute) != old[name]]
    if not changed or access_for(actor).covers_everything(roles.MANAGE_AGENCY):
        return
    message = _("Only a platform administrator can change an agency's kind or its place "
                "in the tree.")
    raise DomainError(problems.PERMISSION_DENIED, message, errors=[
        FieldError(pointer=f"#/{name}", field=name, detail=message, code="platform_only")
        for name in changed])


@transaction.atomic
def create_agency(*, actor: Actor, **fields: Any) -> Agency:
    agency = Agency()
    assign_fields(agency, fields, AGENCY_FIELDS)
    _authorise_agency_parent(actor, agency.parent)
    agency.path = _path_for(agency)
    agency.full_clean()
    agency.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=agency, after=snapshot(agency),
                 agency_id=agency.pk)
    publish_on_commit(events.AgencyCreated(agency_id=agency.pk))
    return agency


@transaction.atomic
def update_agency(*, actor: Actor, agency: Agency, **changes: Any) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    require_permission(actor, roles.MANAGE_AGENCY, agency)
    before = snapshot(agency)
    old_path = agency.path
    old_place = {name: getattr(agency, attribute)
                 for name, attribute in PLATFORM_ONLY_FIELDS.items()}
    assign_fields(agency, changes, AGENCY_FIELDS)
    _require_platform_admin_to_move(actor, agency, old_place)
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
    publish_on_commit(events.AgencyUpdated(agency_id=agency.pk))
    return agency


@transaction.atomic
def import_province(*, actor: Actor, province_code: int) -> tuple[Agency, int, int]:
    """Create or update the province and all its communes from the official list, matched
    on administrative-unit code, so a second run changes nothing.
    Returns the province and the number of agencies created and updated."""
    # Here rather than at the top: the official list takes about 0.3 s to load, and only an
    # import needs it (every web process loads this module through the admin).
    from govhub.identity.organisation import provinces

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
