"""The tourism events service's OpenAPI 3.1 description; operationIds are the operation
codes the hub grants and the fault endpoint names."""

from typing import Any

from govhub_sandbox.agriculture.openapi import IDENTIFICATION, PROBLEM

STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
CODE_NAME = {"type": "object", "required": ["code", "name"],
             "properties": {"code": STRING, "name": STRING}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _day_parameter(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": DATE}


SCHEMAS: dict[str, Any] = {
    "Event": {"type": "object",
              "required": ["id", "name", "category", "starts_on", "ends_on", "starts_at",
                           "location", "commune", "description"],
              "properties": {"id": STRING, "name": STRING, "category": STRING,
                             "starts_on": DATE, "ends_on": DATE,
                             "starts_at": {"type": ["string", "null"],
                                           "description": "HH:MM, giờ Việt Nam"},
                             "location": STRING, "commune": CODE_NAME,
                             "description": STRING}},
    "EventList": {"type": "object", "required": ["from", "to", "count", "source", "events"],
                  "properties": {"from": DATE, "to": DATE, "count": {"type": "integer"},
                                 "source": STRING,
                                 "events": {"type": "array", "items": _ref("Event")}}},
    "Health": {"type": "object", "required": ["status"],
               "properties": {"status": {"type": "string", "enum": ["ok"]}}},
    "Problem": {"type": "object", "required": ["type", "title", "status"],
                "properties": {"type": STRING, "title": STRING, "status": {"type": "integer"},
                               "detail": STRING, "code": STRING}},
}


def openapi_document(server_url: str) -> dict[str, Any]:
    ok = {"description": "Lịch sự kiện",
          "content": {"application/json": {"schema": _ref("EventList")}}}
    health = {"description": "Đang hoạt động",
              "content": {"application/json": {"schema": _ref("Health")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sở Văn hóa, Thể thao và Du lịch Cà Mau: lịch lễ hội, sự kiện "
                          "(sandbox)",
                 "version": "1.0.0",
                 "description": "Lễ hội, sự kiện văn hóa và du lịch trong tỉnh. Dữ liệu tham "
                                "chiếu: được phép lưu đệm."},
        "servers": [{"url": server_url}],
        "paths": {
            "/events": {"get": {
                "operationId": "listEvents", "summary": "Lễ hội, sự kiện trong khoảng ngày",
                "parameters": [*IDENTIFICATION,
                               _day_parameter("from", "Từ ngày (mặc định: hôm nay)."),
                               _day_parameter("to", "Đến ngày (mặc định: 60 ngày sau).")],
                "responses": {"200": ok, "400": PROBLEM, "503": PROBLEM}}},
            "/health": {"get": {
                "operationId": "health", "summary": "Kiểm tra hoạt động (probe)",
                "responses": {"200": health, "503": PROBLEM}}},
        },
        "components": {"schemas": SCHEMAS},
    }
