"""The integration hub's API under /api/integration/ (thin django-ninja router).

Consumers' operations use the session like the rest of /api/; the gateway-facing operations
under /gateway/ (``gateway_api``) authenticate with the gateway's bearer token instead."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from govhub.identity.api_auth import admin_api_auth
from govhub.integration import queries, services
from govhub.integration.gateway_api import router as gateway_router
from govhub.integration.models import Agreement, Service, System
from govhub.integration.schemas import AgreementIn, AgreementOut, ServiceOut, SystemOut
from govhub.kernel.pagination import PagePagination

router = Router(tags=["integration"], auth=admin_api_auth())
router.add_router("/gateway", gateway_router)


@router.get("/services", response=list[ServiceOut], summary="The service catalogue")
@paginate(PagePagination)
def list_services(request: HttpRequest) -> QuerySet[Service]:
    return queries.catalogue(request.user)


@router.get("/services/{service_id}", response=ServiceOut)
def get_service(request: HttpRequest, service_id: UUID) -> Service:
    return get_object_or_404(queries.catalogue(request.user), pk=service_id)


@router.get("/systems", response=list[SystemOut], summary="Systems of my agencies")
@paginate(PagePagination)
def list_systems(request: HttpRequest) -> QuerySet[System]:
    return queries.systems(request.user)


@router.get("/agreements", response=list[AgreementOut],
            summary="Agreements of my agencies, with status and any refusal's reason")
@paginate(PagePagination)
def list_agreements(request: HttpRequest) -> QuerySet[Agreement]:
    return queries.agreements(request.user).prefetch_related("operations")


@router.get("/agreements/{agreement_id}", response=AgreementOut)
def get_agreement(request: HttpRequest, agreement_id: UUID) -> Agreement:
    return get_object_or_404(queries.agreements(request.user), pk=agreement_id)


@router.post("/agreements", response={201: AgreementOut},
             summary="Request a data-sharing agreement")
def request_agreement(request: HttpRequest, payload: AgreementIn) -> tuple[int, Any]:
    consumer = queries.systems(request.user).filter(pk=payload.consumer_id).first()
    if consumer is None:
        raise ValidationError({"consumer_id": _("No such system within your scope.")})
    service = queries.catalogue(request.user).filter(pk=payload.service_id).first()
    if service is None:
        raise ValidationError({"service_id": _("No such service.")})
    operations = list(service.operations.filter(code__in=payload.operations))
    missing = set(payload.operations) - {o.code for o in operations}
    if missing:
        raise ValidationError({"operations": _("Unknown operations: %(codes)s")
                               % {"codes": ", ".join(sorted(missing))}})
    agreement = services.request_agreement(
        actor=request.user, consumer=consumer, service=service, operations=operations,
        legal_basis=payload.legal_basis, purpose=payload.purpose, fields=payload.fields,
        valid_from=payload.valid_from, valid_until=payload.valid_until)
    return 201, agreement
