"""The gateway's problem types (RFC 9457 §3.1.1: one stable ``type`` per kind of failure),
each with its fault origin and whether retrying the same request may succeed (the exchange
contract §2, docs/exchange-contract.md). The control plane documents each at ``/problems/<slug>``;
``type`` is ``{base_url}/problems/{slug}`` with the control plane's public URL as base.

Titles are Vietnamese first (the gateway answers provincial systems), English after " / ".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govhub_contracts.problem import MEDIA_TYPE, FaultOrigin, Problem


@dataclass(frozen=True, slots=True)
class GatewayProblemType:
    slug: str
    status: int
    title: str
    fault_origin: FaultOrigin
    retryable: bool


def _type(slug: str, status: int, title: str, origin: FaultOrigin,
          retryable: bool = False) -> GatewayProblemType:
    return GatewayProblemType(slug, status, title, origin, retryable)


C, PT, PB, PL = (FaultOrigin.CLIENT, FaultOrigin.PROVIDER_TECHNICAL,
                 FaultOrigin.PROVIDER_BUSINESS, FaultOrigin.PLATFORM)

BAD_REQUEST = _type("gateway-bad-request", 400,
                    "Yêu cầu HTTP không hợp lệ / Malformed HTTP request", C)
MISSING_IDENTIFICATION = _type(
    "gateway-missing-identification", 400,
    "Thiếu hoặc sai thông tin định danh X-Road / Missing or malformed X-Road identification", C)
NOT_AUTHENTICATED = _type("gateway-not-authenticated", 401,
                          "Chưa xác thực hệ thống gọi / Consumer not authenticated", C)
ACCESS_DENIED = _type("gateway-access-denied", 403,
                      "Không có thỏa thuận chia sẻ dữ liệu còn hiệu lực / "
                      "No valid data-sharing agreement", C)
UNKNOWN_SERVICE = _type("gateway-unknown-service", 404,
                        "Không có dịch vụ này / Unknown service or operation", C)
METHOD_NOT_ALLOWED = _type("gateway-method-not-allowed", 405,
                           "Phương thức không được hỗ trợ / Method not allowed", C)
PAYLOAD_TOO_LARGE = _type("gateway-payload-too-large", 413,
                          "Nội dung yêu cầu quá lớn / Request body too large", C)
HEADERS_TOO_LARGE = _type("gateway-headers-too-large", 431,
                          "Phần đầu yêu cầu quá lớn / Request header fields too large", C)
URI_TOO_LONG = _type("gateway-uri-too-long", 414,
                     "Địa chỉ yêu cầu quá dài / Request-target too long", C)
HTTP_VERSION_NOT_SUPPORTED = _type("gateway-http-version-not-supported", 505,
                                   "Phiên bản HTTP không được hỗ trợ / "
                                   "HTTP version not supported (HTTP/1.x only)", C)
REQUEST_TIMEOUT = _type("gateway-request-timeout", 408,
                        "Hết thời gian chờ yêu cầu / Request not received in time", C)
QUOTA_EXCEEDED = _type("gateway-quota-exceeded", 429,
                       "Vượt hạn mức gọi dịch vụ / Quota exceeded", C, retryable=True)
UNDER_MAINTENANCE = _type("gateway-under-maintenance", 503,
                          "Dịch vụ đang bảo trì / Service under maintenance", PT, retryable=True)
UPSTREAM_UNAVAILABLE = _type("gateway-upstream-unavailable", 502,
                             "Không kết nối được hệ thống cung cấp / Provider unreachable", PT,
                             retryable=True)
UPSTREAM_BAD_RESPONSE = _type("gateway-upstream-bad-response", 502,
                              "Hệ thống cung cấp trả lời không hợp lệ / "
                              "Provider sent an invalid response", PT, retryable=True)
UPSTREAM_TIMEOUT = _type("gateway-upstream-timeout", 504,
                         "Hệ thống cung cấp không trả lời kịp / Provider timed out", PT,
                         retryable=True)
RESPONSE_TOO_LARGE = _type("gateway-response-too-large", 502,
                           "Phản hồi của hệ thống cung cấp quá lớn / Provider response too large",
                           PT)
PLATFORM_ERROR = _type("gateway-platform-error", 500,
                       "Lỗi nền tảng trục liên thông / Integration platform error", PL,
                       retryable=True)
NOT_READY = _type("gateway-not-ready", 503,
                  "Cổng chưa có cấu hình / Gateway has no configuration yet", PL, retryable=True)

ALL: tuple[GatewayProblemType, ...] = (
    BAD_REQUEST, MISSING_IDENTIFICATION, NOT_AUTHENTICATED, ACCESS_DENIED, UNKNOWN_SERVICE,
    METHOD_NOT_ALLOWED, PAYLOAD_TOO_LARGE, HEADERS_TOO_LARGE, URI_TOO_LONG,
    HTTP_VERSION_NOT_SUPPORTED, REQUEST_TIMEOUT, QUOTA_EXCEEDED,
    UNDER_MAINTENANCE, UPSTREAM_UNAVAILABLE, UPSTREAM_BAD_RESPONSE, UPSTREAM_TIMEOUT,
    RESPONSE_TOO_LARGE, PLATFORM_ERROR, NOT_READY,
)


def problem_body(kind: GatewayProblemType, *, detail: str | None = None,
                 request_id: str | None = None, base_url: str = "",
                 **extensions: Any) -> bytes:
    """The problem+json body for ``kind`` (``Content-Type``: :data:`MEDIA_TYPE`)."""
    problem = Problem(type=f"{base_url}/problems/{kind.slug}", title=kind.title,
                      status=kind.status, detail=detail, fault_origin=kind.fault_origin,
                      retryable=kind.retryable, request_id=request_id, **extensions)
    return problem.to_json_bytes()


__all__ = ["ALL", "MEDIA_TYPE", "GatewayProblemType", "problem_body"]
