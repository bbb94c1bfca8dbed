"""The market-price service's OpenAPI 3.1 description; operationIds are the operation codes
the hub grants and the fault endpoint names."""

from typing import Any

from govhub_sandbox.agriculture.prices import COMMODITIES, MARKETS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _header(name: str, required: bool, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "description": description,
            "schema": {"type": "string"}}


IDENTIFICATION = [
    _header("X-Road-Client", True, "Hệ thống gọi, `{member}/{system}`, do trục thêm vào."),
    _header("X-Road-Id", True, "Mã yêu cầu (duy nhất), do trục liên thông thêm vào."),
    _header("X-Road-UserId", False, "Cán bộ hoặc người dùng cuối."),
    _header("X-Road-Issue", False, "Mã thủ tục hành chính / hồ sơ."),
]
PROBLEM = {"description": "RFC 9457 problem details",
           "content": {"application/problem+json": {"schema": _ref("Problem")}}}
COMMODITY = {"name": "commodity", "in": "query", "required": False,
             "schema": {"type": "string", "enum": sorted(COMMODITIES)}}
MARKET = {"name": "market", "in": "query", "required": False,
          "schema": {"type": "string", "enum": sorted(MARKETS)}}
STRING = {"type": "string"}
CODE_NAME = {"type": "object", "required": ["code", "name"],
             "properties": {"code": STRING, "name": STRING}}

SCHEMAS: dict[str, Any] = {
    "Price": {
        "type": "object",
        "required": ["commodity", "market", "date", "price_vnd_per_kg", "unit", "as_of",
                     "source"],
        "properties": {
            "commodity": CODE_NAME,
            "market": {"type": "object", "required": ["code", "name", "commune"],
                       "properties": {"code": STRING, "name": STRING, "commune": CODE_NAME}},
            "date": {"type": "string", "format": "date"},
            "price_vnd_per_kg": {"type": "integer", "minimum": 0},
            "unit": {"type": "string", "enum": ["VND/kg"]},
            "as_of": {"type": "string", "format": "date-time"},
            "source": STRING}},
    "PriceList": {"type": "object", "required": ["data_as_of", "count", "prices"],
                  "properties": {"data_as_of": {"type": ["string", "null"],
                                                "format": "date-time"},
                                 "count": {"type": "integer"},
                                 "prices": {"type": "array", "items": _ref("Price")}}},
    "Commodity": {"type": "object",
                  "required": ["code", "name", "category", "unit", "markets"],
                  "properties": {"code": STRING, "name": STRING, "category": STRING,
                                 "unit": STRING,
                                 "markets": {"type": "array", "items": CODE_NAME}}},
    "CommodityList": {"type": "object", "required": ["commodities"],
                      "properties": {"commodities": {"type": "array",
                                                     "items": _ref("Commodity")}}},
    "Health": {"type": "object", "required": ["status"],
               "properties": {"status": {"type": "string", "enum": ["ok"]}}},
    "Problem": {"type": "object", "required": ["type", "title", "status"],
                "properties": {"type": STRING, "title": STRING, "status": {"type": "integer"},
                               "detail": STRING, "code": STRING}},
}


def _paths() -> dict[str, Any]:
    errors = {"400": PROBLEM, "503": PROBLEM}
    return {
        "/prices": {"get": {
            "operationId": "listPrices", "summary": "Giá nông sản theo mặt hàng, chợ, ngày",
            "parameters": [*IDENTIFICATION, COMMODITY, MARKET,
                           {"name": "date", "in": "query", "required": False,
                            "schema": {"type": "string", "format": "date"}}],
            "responses": {"200": _ok(_ref("PriceList"), "Bảng giá"), **errors}}},
        "/prices/latest": {"get": {
            "operationId": "latestPrices", "summary": "Giá mới nhất của từng mặt hàng, chợ",
            "parameters": [*IDENTIFICATION, COMMODITY, MARKET],
            "responses": {"200": _ok(_ref("PriceList"), "Bảng giá mới nhất"), **errors}}},
        "/commodities": {"get": {
            "operationId": "listCommodities", "summary": "Danh mục mặt hàng và chợ",
            "parameters": IDENTIFICATION,
            "responses": {"200": _ok(_ref("CommodityList"), "Danh mục"), **errors}}},
        "/health": {"get": {
            "operationId": "health", "summary": "Kiểm tra hoạt động (probe)",
            "responses": {"200": _ok(_ref("Health"), "Đang hoạt động"), "503": PROBLEM}}},
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cơ sở dữ liệu nông nghiệp tỉnh Cà Mau: giá nông sản (sandbox)",
                 "version": "1.0.0",
                 "description": "Giá tôm, cua, lúa gạo tại các chợ trong tỉnh (VND/kg). "
                                "Dữ liệu tham chiếu: được phép lưu đệm."},
        "servers": [{"url": server_url}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS},
    }
