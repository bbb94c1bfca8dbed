"""The land registry's OpenAPI 3.1 description, as the hub's service registry imports it:
operationIds are the operation codes the hub grants and the fault endpoint names."""

from typing import Any

from govhub_sandbox.land.parcels import LAND_USES

IDENTIFICATION = [
    {"name": "X-Road-Client", "in": "header", "required": True,
     "description": "Hệ thống gọi, `{member}/{system}`, do trục liên thông thêm vào.",
     "schema": {"type": "string"}},
    {"name": "X-Road-Id", "in": "header", "required": True,
     "description": "Mã yêu cầu (duy nhất), do trục liên thông thêm vào.",
     "schema": {"type": "string"}},
    {"name": "X-Road-UserId", "in": "header", "required": False,
     "description": "Cán bộ hoặc người dùng cuối.", "schema": {"type": "string"}},
    {"name": "X-Road-Issue", "in": "header", "required": False,
     "description": "Mã thủ tục hành chính / hồ sơ.", "schema": {"type": "string"}},
]
PARCEL_ID = {"name": "parcel_id", "in": "path", "required": True,
             "description": "`{mã xã}-{số tờ}-{số thửa}`, ví dụ 32002-012-0145.",
             "schema": {"type": "string", "pattern": r"^\d{5}-\d{3}-\d{4}$"}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PROBLEM_RESPONSE = {"description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


SCHEMAS: dict[str, Any] = {
    "Commune": {"type": "object", "required": ["code", "name"],
                "properties": {"code": _string(pattern=r"^\d{5}$"), "name": _string()}},
    "ParcelSummary": {
        "type": "object",
        "required": ["parcel_id", "commune", "map_sheet", "parcel_number", "area_m2",
                     "address"],
        "properties": {"parcel_id": _string(), "commune": _ref("Commune"),
                       "map_sheet": {"type": "integer", "description": "Số tờ bản đồ"},
                       "parcel_number": {"type": "integer", "description": "Số thửa"},
                       "area_m2": {"type": "number"}, "address": _string()}},
    "LandUse": {"type": "object", "required": ["code", "name", "area_m2"],
                "properties": {"code": _string(enum=sorted(LAND_USES)), "name": _string(),
                               "area_m2": {"type": "number"}}},
    "Owner": {"type": "object", "required": ["name", "so_dinh_danh", "birth_year"],
              "description": "Dữ liệu cá nhân (Luật 91/2025/QH15): không được lưu đệm.",
              "properties": {"name": _string(), "so_dinh_danh": _string(pattern=r"^\d{12}$"),
                             "birth_year": {"type": "integer"}}},
    "Parcel": {"allOf": [_ref("ParcelSummary"), {
        "type": "object",
        "required": ["province", "land_uses", "certificate", "planning_notes", "notes"],
        "properties": {
            "province": _string(), "land_uses": {"type": "array", "items": _ref("LandUse")},
            "certificate": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["number", "issued_on"],
                "properties": {"number": _string(), "issued_on": _string(format="date")}}]},
            "planning_notes": _string(), "notes": _string(),
            "owners": {"type": "array", "items": _ref("Owner"),
                       "description": "Chỉ có khi include_owner=true."}}}]},
    "ParcelList": {"type": "object", "required": ["count", "parcels"],
                   "properties": {"count": {"type": "integer"},
                                  "parcels": {"type": "array",
                                              "items": _ref("ParcelSummary")}}},
    "Planning": {
        "type": "object",
        "required": ["parcel_id", "current_land_uses", "planned_land_use", "zone",
                     "is_affected", "affected_area_m2", "decision", "notes"],
        "properties": {"parcel_id": _string(),
                       "current_land_uses": {"type": "array", "items": _string()},
                       "planned_land_use": {"type": "object",
                                            "properties": {"code": _string(),
                                                           "name": _string()}},
                       "zone": _string(), "is_affected": {"type": "boolean"},
                       "affected_area_m2": {"type": "number"}, "decision": _string(),
                       "notes": _string()}},
    "Health": {"type": "object", "required": ["status"],
               "properties": {"status": _string(enum=["ok"])}},
    "Problem": {"type": "object", "required": ["type", "title", "status"],
                "properties": {"type": _string(), "title": _string(),
                               "status": {"type": "integer"}, "detail": _string(),
                               "code": _string()}},
}


def _paths() -> dict[str, Any]:
    errors = {"400": PROBLEM_RESPONSE, "503": PROBLEM_RESPONSE}
    return {
        "/parcels": {"get": {
            "operationId": "searchParcels", "summary": "Tìm thửa đất theo số tờ, số thửa",
            "parameters": [*IDENTIFICATION,
                           {"name": "commune_code", "in": "query", "required": True,
                            "schema": _string(pattern=r"^\d{5}$")},
                           {"name": "sheet", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1}},
                           {"name": "parcel", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": _json(_ref("ParcelList"), "Các thửa đất"), **errors}}},
        "/parcels/{parcel_id}": {"get": {
            "operationId": "getParcel", "summary": "Thông tin thửa đất",
            "parameters": [*IDENTIFICATION, PARCEL_ID,
                           {"name": "include_owner", "in": "query", "required": False,
                            "description": "true: kèm người sử dụng đất (dữ liệu cá nhân).",
                            "schema": {"type": "boolean", "default": False}}],
            "responses": {"200": _json(_ref("Parcel"), "Thửa đất"),
                          "404": PROBLEM_RESPONSE, **errors}}},
        "/parcels/{parcel_id}/planning": {"get": {
            "operationId": "getParcelPlanning", "summary": "Thông tin quy hoạch của thửa đất",
            "parameters": [*IDENTIFICATION, PARCEL_ID],
            "responses": {"200": _json(_ref("Planning"), "Quy hoạch"),
                          "404": PROBLEM_RESPONSE, **errors}}},
        "/health": {"get": {
            "operationId": "health", "summary": "Kiểm tra hoạt động (probe)",
            "responses": {"200": _json(_ref("Health"), "Đang hoạt động"),
                          "503": PROBLEM_RESPONSE}}},
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hệ thống thông tin đất đai tỉnh Cà Mau (sandbox)",
                 "version": "1.0.0",
                 "description": "Sở Nông nghiệp và Môi trường: tra cứu thửa đất, quy hoạch."},
        "servers": [{"url": server_url}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS},
    }
