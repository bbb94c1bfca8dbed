"""Calls to the land registry through the integration hub, server-side, as the mini-app's own
consumer system: its API key and the X-Road identification headers (who calls, for whom,
why — exchange contract §1), and the hub's problem+json errors (RFC 9457) turned into
a sentence a citizen can act on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from govhub_sandbox.miniapp.config import Settings

# The gateway's problem types (govhub_contracts.gateway_problems, by slug) and the land
# registry's codes, in words for the person at the screen rather than for an operator.
MESSAGES = {
    "gateway-not-authenticated": "Ứng dụng chưa được trục liên thông xác thực (khóa truy cập "
                                 "không đúng hoặc đã bị thu hồi). Vui lòng báo quản trị viên.",
    "gateway-access-denied": "Ứng dụng chưa có thỏa thuận chia sẻ dữ liệu đất đai còn hiệu "
                             "lực, nên chưa được phép tra cứu.",
    "gateway-quota-exceeded": "Đã vượt hạn mức tra cứu cho phép. Vui lòng thử lại sau ít phút.",
    "gateway-under-maintenance": "Hệ thống thông tin đất đai đang bảo trì. Vui lòng thử lại "
                                 "sau.",
    "gateway-upstream-unavailable": "Hệ thống thông tin đất đai tạm thời không kết nối được. "
                                    "Vui lòng thử lại sau.",
    "gateway-upstream-timeout": "Hệ thống thông tin đất đai không trả lời kịp. Vui lòng thử "
                                "lại sau.",
    "gateway-upstream-bad-response": "Hệ thống thông tin đất đai trả lời không hợp lệ. Vui "
                                     "lòng thử lại sau.",
    "gateway-unknown-service": "Trục liên thông không có dịch vụ tra cứu thửa đất này.",
    "gateway-missing-identification": "Yêu cầu thiếu thông tin định danh bắt buộc của trục "
                                      "liên thông.",
    "gateway-not-ready": "Trục liên thông đang khởi động. Vui lòng thử lại sau.",
    "parcel_not_found": "Không tìm thấy thửa đất này.",
    "invalid_parameter": "Thông tin tra cứu không hợp lệ.",
    "temporarily_unavailable": "Hệ thống thông tin đất đai tạm thời gián đoạn. Vui lòng thử "
                               "lại sau.",
}
NO_KEY = ("Ứng dụng chưa được cấp khóa truy cập trục liên thông, nên chưa tra cứu được dữ "
          "liệu đất đai. Quản trị viên cần cấp khóa cho hệ thống {client} và cấu hình cho ứng "
          "dụng.")
UNREACHABLE = "Không kết nối được trục liên thông. Vui lòng thử lại sau."
UNREADABLE = "Trục liên thông trả lời không đọc được. Vui lòng thử lại sau."


@dataclass(frozen=True)
class HubError:
    message: str  # Vietnamese, for the page
    request_id: str  # X-Road-Id, for the support desk to find the exchange's evidence
    status: int | None = None


@dataclass(frozen=True)
class HubAnswer:
    data: dict[str, Any] | None
    error: HubError | None


def problem_message(problem: dict[str, Any], retry_after: str | None) -> str:
    slug = str(problem.get("type", "")).rstrip("/").rsplit("/", 1)[-1]
    message = MESSAGES.get(slug) or MESSAGES.get(str(problem.get("code", "")))
    if message is None:
        # Titles are "Vietnamese / English" (the exchange contract): keep the Vietnamese.
        title = str(problem.get("title") or "").split(" / ", 1)[0].strip()
        message = f"{title}." if title else "Không tra cứu được dữ liệu đất đai."
    if retry_after and retry_after.isdigit() and problem.get("retryable"):
        message += f" (thử lại sau {retry_after} giây)"
    return message


class LandRegistry:
    def __init__(self, settings: Settings, http: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.http = http

    def _headers(self, key: str, user_sub: str, request_id: str) -> dict[str, str]:
        return {"X-Api-Key": key, "X-Road-Client": self.settings.hub_client,
                "X-Road-Id": request_id, "X-Road-UserId": user_sub,
                "X-Road-Issue": self.settings.hub_issue, "Accept": "application/json"}

    async def get(self, path: str, params: dict[str, str], user_sub: str) -> HubAnswer:
        request_id = str(uuid.uuid4())  # also the gateway's idempotency key
        key = self.settings.hub_key()
        if not key:
            return HubAnswer(None, HubError(NO_KEY.format(client=self.settings.hub_client),
                                            request_id))
        try:
            async with self.http.get(self.settings.land_url(path), params=params,
                                     headers=self._headers(key, user_sub, request_id),
                                     allow_redirects=False) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as error:
            return HubAnswer(None, HubError(f"{UNREACHABLE} ({type(error).__name__})",
                                            request_id))
        except ValueError:
            return HubAnswer(None, HubError(UNREADABLE, request_id, status))
        if not isinstance(body, dict):
            return HubAnswer(None, HubError(UNREADABLE, request_id, status))
        if status != 200:
            return HubAnswer(None, HubError(problem_message(body, retry_after),
                                            str(body.get("request_id") or request_id), status))
        return HubAnswer(body, None)

    async def search(self, commune: str, sheet: str, parcel: str, user_sub: str) -> HubAnswer:
        params = {"commune_code": commune}
        if sheet:
            params["sheet"] = sheet
        if parcel:
            params["parcel"] = parcel
        return await self.get("/parcels", params, user_sub)

    async def parcel(self, parcel_id: str, user_sub: str) -> HubAnswer:
        return await self.get(f"/parcels/{parcel_id}", {}, user_sub)
