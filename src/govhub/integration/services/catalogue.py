"""Providers' services: their settings, endpoints, maintenance windows and the operations
read from an OpenAPI 3 or WSDL description."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from govhub.identity.people.services.rules import assign_fields
from govhub.integration.audit_actions import IntegrationAction
from govhub.integration.import_openapi import ParsedDocument, parse_openapi
from govhub.integration.import_wsdl import parse_wsdl
from govhub.integration.models import (
    Endpoint,
    MaintenanceWindow,
    Operation,
    Service,
    System,
)
from govhub.integration.services.scope import agency_id, require_operator
from govhub.integration.snapshots import publish_snapshot_on_commit
from govhub.kernel.actors import Actor
from govhub.kernel.audit import record_audit, snapshot
from govhub.kernel.audit_actions import AuditAction
from govhub_contracts.snapshot import DataClass, Protocol

SERVICE_FIELDS = frozenset({
    "code", "version", "protocol", "name", "description", "agency", "support_contact",
    "timeout_seconds", "max_request_bytes", "max_response_bytes", "log_bodies", "is_active"})


def _locked(service: Service) -> Service:
    return Service.objects.select_for_update().select_related("system__member").get(
        pk=service.pk)


def _check_limits(service: Service) -> None:
    if service.timeout_seconds <= 0:
        raise ValidationError({"timeout_seconds": _("The timeout must be above zero.")})
    for name in ("max_request_bytes", "max_response_bytes"):
        if getattr(service, name) <= 0:
            raise ValidationError({name: _("The size limit must be above zero.")})


@transaction.atomic
def create_service(*, actor: Actor, system: System, endpoints: list[str] | None = None,
                   **fields: Any) -> Service:
    service = Service(system=system)
    assign_fields(service, fields, SERVICE_FIELDS)
    require_operator(actor, service.scope_agency)
    _check_limits(service)
    service.full_clean()
    service.save()
    for position, url in enumerate(endpoints or []):
        _add_endpoint(service, url, position)
    record_audit(actor=actor, action=AuditAction.CREATE, target=service,
                 after={**snapshot(service, exclude=["description_document"]),
                        "endpoints": endpoints or []},
                 agency_id=agency_id(service.scope_agency))
    publish_snapshot_on_commit("service created")
    return service


@transaction.atomic
def update_service(*, actor: Actor, service: Service, **changes: Any) -> Service:
    service = _locked(service)
    require_operator(actor, service.scope_agency)
    before = snapshot(service, exclude=["description_document"])
    assign_fields(service, changes, SERVICE_FIELDS)
    require_operator(actor, service.scope_agency)
    _check_limits(service)
    service.full_clean()
    service.save()
    record_audit(actor=actor, action=AuditAction.UPDATE, target=service, before=before,
                 after=snapshot(service, exclude=["description_document"]),
                 agency_id=agency_id(service.scope_agency))
    publish_snapshot_on_commit("service updated")
    return service


def _add_endpoint(service: Service, url: str, position: int) -> None:
    endpoint = Endpoint(service=service, url=url.strip(), position=position)
    endpoint.full_clean()
    endpoint.save()


@transaction.atomic
def set_endpoints(*, actor: Actor, service: Service, urls: list[str]) -> list[Endpoint]:
    """Replace the service's endpoints with ``urls``, tried by the gateway in this order."""
    service = _locked(service)
    require_operator(actor, service.scope_agency)
    if not [u for u in urls if u.strip()]:
        raise ValidationError({"endpoints": _("A service needs at least one endpoint.")})
    before = [e.url for e in service.endpoints.all()]
    service.endpoints.all().delete()
    for position, url in enumerate(u for u in urls if u.strip()):
        _add_endpoint(service, url, position)
    record_audit(actor=actor, action=AuditAction.UPDATE, target=service,
                 before={"endpoints": before}, after={"endpoints": urls},
                 agency_id=agency_id(service.scope_agency))
    publish_snapshot_on_commit("service endpoints changed")
    return list(service.endpoints.all())


@transaction.atomic
def add_maintenance_window(*, actor: Actor, service: Service, starts_at: datetime,
                           ends_at: datetime, notice: str = "") -> MaintenanceWindow:
    service = _locked(service)
    require_operator(actor, service.scope_agency)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    window = MaintenanceWindow(service=service, starts_at=starts_at, ends_at=ends_at,
                               notice=notice)
    window.full_clean()
    window.save()
    record_audit(actor=actor, action=AuditAction.CREATE, target=window, after=snapshot(window),
                 agency_id=agency_id(service.scope_agency))
    publish_snapshot_on_commit("maintenance window added")
    return window


@transaction.atomic
def set_operation_data_class(*, actor: Actor, operation: Operation, data_class: str) -> Operation:
    operation = Operation.objects.select_for_update().select_related(
        "service__system__member").get(pk=operation.pk)
    require_operator(actor, operation.service.scope_agency)
    if data_class not in DataClass._value2member_map_:
        raise ValidationError({"data_class": _("Unknown data class.")})
    before = snapshot(operation)
    operation.data_class = data_class
    operation.save(update_fields=["data_class", "updated_at"])
    record_audit(actor=actor, action=AuditAction.UPDATE, target=operation, before=before,
                 after=snapshot(operation), agency_id=agency_id(operation.service.scope_agency))
    publish_snapshot_on_commit("operation data class changed")
    return operation


def _refuse_dropping_granted(service: Service, vanished: set[str]) -> None:
    """An agreement limited to operations would silently cover the whole service once its
    operations vanished (none listed = every operation), so such an import is refused."""
    from govhub.integration.models import Agreement, AgreementStatus

    used = Agreement.objects.filter(
        service=service, operations__code__in=vanished,
        status__in=[AgreementStatus.DRAFT, AgreementStatus.SUBMITTED, AgreementStatus.APPROVED],
    ).values_list("operations__code", flat=True).distinct()
    if used:
        raise ValidationError(_("The new document drops operations that agreements name: "
                                "%(codes)s. Revoke or refuse those agreements first.")
                              % {"codes": ", ".join(sorted(set(used)))}, code="in_use")


def parse_description(protocol: str, text: str) -> ParsedDocument:
    if not text.strip():
        raise ValidationError(_("The description document is empty."), code="empty")
    return parse_wsdl(text) if protocol == Protocol.SOAP else parse_openapi(text)


@transaction.atomic
def import_description(*, actor: Actor, service: Service, text: str) -> list[Operation]:
    """Replace the service's operations with those of the document (OpenAPI 3 for REST, WSDL
    for SOAP). An operation whose code survives keeps the data class an operator gave it, so
    a re-import never silently downgrades personal data to reference data (Law 91/2025)."""
    service = _locked(service)
    require_operator(actor, service.scope_agency)
    document = parse_description(service.protocol, text)
    existing = {o.code: o for o in service.operations.all()}
    parsed_codes = {p.code for p in document.operations}
    _refuse_dropping_granted(service, set(existing) - parsed_codes)
    operations = []
    for parsed in document.operations:
        operation = existing.get(parsed.code) or Operation(service=service, code=parsed.code)
        operation.method, operation.path = parsed.method, parsed.path
        operation.summary = parsed.summary
        operation.save()
        operations.append(operation)
    service.operations.exclude(code__in=parsed_codes).delete()
    kept = existing
    service.description_document = text
    service.description_media_type = document.media_type
    service.save(update_fields=["description_document", "description_media_type", "updated_at"])
    record_audit(actor=actor, action=IntegrationAction.IMPORT, target=service,
                 before={"operations": sorted(kept)},
                 after={"operations": sorted(o.code for o in operations),
                        "media_type": document.media_type},
                 agency_id=agency_id(service.scope_agency))
    publish_snapshot_on_commit("service description imported")
    return operations
