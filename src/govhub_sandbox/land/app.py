"""The aiohttp application of the sandbox land registry ("Hệ thống thông tin đất đai" of the
provincial Department of Agriculture and Environment).

Routes are named after their OpenAPI operationId, which is also the fault endpoint name."""

import re
from typing import Any

from aiohttp import web

from govhub_sandbox import upstream_kit
from govhub_sandbox.land.openapi import openapi_document
from govhub_sandbox.land.parcels import BY_ID, COMMUNES, LAND_USES, Parcel, search
from govhub_sandbox.upstream_kit import (
    UpstreamFault,
    json_response,
    problem,
)

OPERATIONS = ("searchParcels", "getParcel", "getParcelPlanning")
ENDPOINTS = (*OPERATIONS, "health")
COMMUNE_CODE = re.compile(r"^\d{5}$")
# Parcels are public cadastral facts and may be cached briefly; owners are personal data,
# which no intermediary may keep (Personal Data Protection Law 91/2025/QH15).
REFERENCE_CACHE = "public, max-age=300"
PERSONAL_CACHE = "no-store"


def _invalid(detail: str) -> web.Response:
    return problem(400, "invalid_parameter", "Tham số không hợp lệ / Invalid parameter", detail)


def _not_found(parcel_id: str) -> web.Response:
    return problem(404, "parcel_not_found", "Không tìm thấy thửa đất / Parcel not found",
                   f"No parcel {parcel_id!r}.")


def _positive(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number from 1.")
    return int(raw)


def _summary(parcel: Parcel) -> dict[str, Any]:
    return {"parcel_id": parcel.parcel_id,
            "commune": {"code": parcel.commune_code, "name": COMMUNES[parcel.commune_code]},
            "map_sheet": parcel.sheet, "parcel_number": parcel.number,
            "area_m2": parcel.area_m2, "address": parcel.address}


def _detail(parcel: Parcel, include_owner: bool) -> dict[str, Any]:
    body = _summary(parcel) | {
        "province": "Tỉnh Cà Mau",
        "land_uses": [{"code": code, "name": LAND_USES[code], "area_m2": area}
                      for code, area in parcel.uses],
        "certificate": {"number": parcel.certificate_number,
                        "issued_on": parcel.certificate_issued_on.isoformat()}
        if parcel.certificate_number else None,
        "planning_notes": parcel.planning.notes, "notes": parcel.notes}
    if include_owner:
        body["owners"] = [{"name": o.name, "so_dinh_danh": o.so_dinh_danh,
                           "birth_year": o.birth_year} for o in parcel.owners]
    return body


async def search_parcels(request: web.Request) -> web.Response:
    commune_code = request.query.get("commune_code", "")
    if not COMMUNE_CODE.match(commune_code):
        return _invalid("commune_code is required: the commune's 5-digit code, e.g. 32002.")
    try:
        sheet, number = _positive(request, "sheet"), _positive(request, "parcel")
    except ValueError as error:
        return _invalid(str(error))
    found = search(commune_code, sheet, number)
    return json_response({"count": len(found), "parcels": [_summary(p) for p in found]},
                             headers={"Cache-Control": REFERENCE_CACHE})


async def get_parcel(request: web.Request) -> web.Response:
    parcel_id = request.match_info["parcel_id"]
    include = request.query.get("include_owner", "false")
    if include not in ("true", "false"):
        return _invalid("include_owner must be true or false.")
    parcel = BY_ID.get(parcel_id)
    if parcel is None:
        return _not_found(parcel_id)
    include_owner = include == "true"
    return json_response(
        _detail(parcel, include_owner),
        headers={"Cache-Control": PERSONAL_CACHE if include_owner else REFERENCE_CACHE})


async def get_parcel_planning(request: web.Request) -> web.Response:
    parcel_id = request.match_info["parcel_id"]
    parcel = BY_ID.get(parcel_id)
    if parcel is None:
        return _not_found(parcel_id)
    plan = parcel.planning
    return json_response(
        {"parcel_id": parcel_id,
         "current_land_uses": [code for code, _ in parcel.uses],
         "planned_land_use": {"code": plan.planned_use, "name": LAND_USES[plan.planned_use]},
         "zone": plan.zone, "is_affected": plan.affected_area_m2 > 0,
         "affected_area_m2": plan.affected_area_m2, "decision": plan.decision,
         "notes": plan.notes},
        headers={"Cache-Control": REFERENCE_CACHE})



def create_app(faults: dict[str, UpstreamFault] | None = None) -> web.Application:
    app = upstream_kit.rest_provider(ENDPOINTS, faults, openapi_document)
    app.router.add_get("/parcels", search_parcels, name="searchParcels")
    app.router.add_get("/parcels/{parcel_id}", get_parcel, name="getParcel")
    app.router.add_get("/parcels/{parcel_id}/planning", get_parcel_planning,
                       name="getParcelPlanning")
    return app
