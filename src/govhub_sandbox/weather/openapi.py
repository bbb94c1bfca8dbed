"""The hydro-meteorological station's OpenAPI 3.1 description; operationIds are the
operation codes the hub grants and the fault endpoint names."""

from typing import Any

from govhub_sandbox.agriculture.openapi import IDENTIFICATION, PROBLEM
from govhub_sandbox.weather.forecast import COMMUNES, KINDS

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
CODE_NAME = {"type": "object", "required": ["code", "name"],
             "properties": {"code": STRING, "name": STRING}}
DATE_TIME = {"type": "string", "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _commune(required: bool) -> dict[str, Any]:
    return {"name": "commune_code", "in": "query", "required": required,
            "description": "Mã xã, phường (5 chữ số).",
            "schema": {"type": "string", "enum": sorted(COMMUNES)}}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


SCHEMAS: dict[str, Any] = {
    "Day": _object(
        ["date", "description", "temperature_c", "rain", "wind"],
        date={"type": "string", "format": "date"}, description=STRING,
        temperature_c=_object(["min", "max"], min=INTEGER, max=INTEGER),
        rain=_object(["probability_percent", "mm"],
                     probability_percent={"type": "integer", "minimum": 0, "maximum": 100},
                     mm={"type": "number", "minimum": 0}),
        wind=_object(["direction", "level", "speed_kmh"], direction=STRING,
                     level={"type": "integer", "description": "Cấp gió (thang Beaufort)"},
                     speed_kmh=INTEGER)),
    "Forecast": _object(["commune", "issued_at", "source", "days"], commune=CODE_NAME,
                        issued_at=DATE_TIME, source=STRING,
                        days={"type": "array", "items": _ref("Day")}),
    "Alert": _object(
        ["id", "kind", "kind_name", "title", "description", "risk_level", "areas",
         "issued_at", "valid_until"],
        id=STRING, kind={"type": "string", "enum": sorted(KINDS)}, kind_name=STRING,
        title=STRING, description=STRING,
        risk_level={"type": "integer", "minimum": 1, "maximum": 5,
                    "description": "Cấp độ rủi ro thiên tai (Quyết định 18/2021/QĐ-TTg)"},
        areas={"type": "array", "items": CODE_NAME}, issued_at=DATE_TIME,
        valid_until=DATE_TIME),
    "AlertList": _object(["count", "source", "alerts"], count=INTEGER, source=STRING,
                         alerts={"type": "array", "items": _ref("Alert")}),
    "Health": _object(["status"], status={"type": "string", "enum": ["ok"]}),
    "Problem": _object(["type", "title", "status"], type=STRING, title=STRING,
                       status=INTEGER, detail=STRING, code=STRING),
}


def _paths() -> dict[str, Any]:
    errors = {"400": PROBLEM, "503": PROBLEM}
    return {
        "/forecast": {"get": {
            "operationId": "getForecast", "summary": "Dự báo thời tiết hôm nay và 3 ngày tới",
            "parameters": [*IDENTIFICATION, _commune(True)],
            "responses": {"200": _ok(_ref("Forecast"), "Bản tin dự báo"), **errors}}},
        "/alerts": {"get": {
            "operationId": "listAlerts",
            "summary": "Cảnh báo thiên tai đang có hiệu lực (bão, áp thấp nhiệt đới, triều "
                       "cường, xâm nhập mặn, sạt lở)",
            "parameters": [*IDENTIFICATION, _commune(False)],
            "responses": {"200": _ok(_ref("AlertList"), "Cảnh báo đang có hiệu lực"),
                          **errors}}},
        "/health": {"get": {
            "operationId": "health", "summary": "Kiểm tra hoạt động (probe)",
            "responses": {"200": _ok(_ref("Health"), "Đang hoạt động"), "503": PROBLEM}}},
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Đài Khí tượng Thủy văn tỉnh Cà Mau: dự báo và cảnh báo (sandbox)",
                 "version": "1.0.0",
                 "description": "Dự báo thời tiết theo xã, phường và cảnh báo thiên tai. "
                                "Dữ liệu tham chiếu: được phép lưu đệm."},
        "servers": [{"url": server_url}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS},
    }
