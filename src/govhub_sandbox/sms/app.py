"""The aiohttp application: the brandname send API, the outbox (HTML and JSON) and fault
injection.

``POST /api/sms/send`` takes ``{"brandname", "phone", "message", "request_id"}`` (JSON,
nothing else) and answers ``200 {"status": "accepted", "message_id", "request_id", "phone",
"encoding", "segments", "characters"}``. Errors are RFC 9457 problem+json with a stable
``code`` and, for invalid fields, ``errors: [{"field", "code", "detail"}]``.
"""

import hmac
import json
import re
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

from aiohttp import web

from govhub_sandbox.sms.config import BRANDNAME, ConfigError, GatewayConfig
from govhub_sandbox.sms.encoding import UCS2, encode
from govhub_sandbox.sms.faults import FaultInjector, faults_from_dict
from govhub_sandbox.sms.pages import outbox_page
from govhub_sandbox.sms.store import Clock, Outbox

SEND_FIELDS = frozenset({"brandname", "phone", "message", "request_id"})
# Vietnamese mobile numbers: 0 or 84 (+84), then a network prefix 3, 5, 7, 8 or 9 and 8 digits.
MOBILE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MESSAGES_PER_PHONE = 5

CONFIG = web.AppKey("config", GatewayConfig)
OUTBOX = web.AppKey("outbox", Outbox)
FAULTS = web.AppKey("faults", FaultInjector)

_dumps = partial(json.dumps, ensure_ascii=False)


def normalise_phone(raw: str) -> str | None:
    """84xxxxxxxxx, or None if this is not a Vietnamese mobile number."""
    match = MOBILE.match(re.sub(r"[\s.-]", "", raw))
    return f"84{match.group(1)}" if match else None


def problem(status: int, code: str, title: str, detail: str,
            errors: list[dict[str, str]] | None = None) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "code": code, "detail": detail}
    if errors:
        body["errors"] = errors
    return web.Response(text=_dumps(body), status=status,
                        content_type="application/problem+json")


def _bearer_ok(request: web.Request, secret: str | None) -> bool:
    if secret is None:
        return True
    supplied = request.headers.get("Authorization", "")
    return hmac.compare_digest(supplied.encode(), f"Bearer {secret}".encode())


def _field_errors(data: Mapping[str, Any], config: GatewayConfig) -> list[dict[str, str]]:
    errors = []

    def error(field: str, code: str, detail: str) -> None:
        errors.append({"field": field, "code": code, "detail": detail})

    for name in sorted(set(data) - SEND_FIELDS):
        error(name, "unknown_field", "Trường không được hỗ trợ.")
    for name in sorted(SEND_FIELDS - set(data)):
        error(name, "required", "Thiếu trường bắt buộc.")
    for name in sorted(SEND_FIELDS & set(data)):
        if not isinstance(data[name], str):
            error(name, "not_a_string", "Giá trị phải là chuỗi ký tự.")
    if errors:
        return errors
    if not BRANDNAME.match(data["brandname"]):
        error("brandname", "invalid_brandname",
              "Brandname gồm 1 đến 11 chữ cái không dấu, chữ số, dấu cách, '.', '_' hoặc '-'.")
    if normalise_phone(data["phone"]) is None:
        error("phone", "invalid_phone",
              "Số điện thoại di động Việt Nam: 0xxxxxxxxx, 84xxxxxxxxx hoặc +84xxxxxxxxx.")
    if not REQUEST_ID.match(data["request_id"]):
        error("request_id", "invalid_request_id",
              "request_id gồm 1 đến 64 ký tự chữ, số, '.', '_', ':' hoặc '-'.")
    message = data["message"]
    if not message.strip():
        error("message", "empty_message", "Nội dung tin nhắn trống.")
    else:
        encoded = encode(message)
        if encoded.encoding == UCS2 and not config.allow_unicode:
            error("message", "unicode_not_allowed",
                  "Kênh brandname này chỉ nhận tin không dấu (GSM-7).")
        elif encoded.segments > config.max_segments:
            error("message", "message_too_long",
                  f"Tin dài {encoded.segments} phần ({encoded.encoding}, {encoded.units} ký "
                  f"tự); tối đa {config.max_segments} phần.")
    return errors


async def send(request: web.Request) -> web.StreamResponse:
    config, outbox = request.app[CONFIG], request.app[OUTBOX]
    if not _bearer_ok(request, config.api_key):
        return problem(401, "unauthorized", "Sai khóa API",
                       "Gửi Authorization: Bearer <khóa API>.")
    interference = await request.app[FAULTS].interfere("send")
    if interference is not None:
        return interference
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        return problem(400, "invalid_json", "Yêu cầu không hợp lệ",
                       "Thân yêu cầu phải là JSON (Content-Type: application/json).")
    if not isinstance(data, dict):
        return problem(400, "invalid_json", "Yêu cầu không hợp lệ",
                       "Thân yêu cầu phải là một đối tượng JSON.")
    errors = _field_errors(data, config)
    if errors:
        return problem(400, "invalid_request", "Yêu cầu không hợp lệ",
                       "; ".join(f"{e['field']}: {e['detail']}" for e in errors), errors)
    if data["brandname"] not in config.brandnames:
        return problem(403, "brandname_not_registered", "Brandname chưa đăng ký",
                       f"Brandname {data['brandname']!r} chưa được đăng ký cho tài khoản này.")
    phone = normalise_phone(data["phone"])
    assert phone is not None
    encoded = encode(data["message"])
    message, created = outbox.add(request_id=data["request_id"], brandname=data["brandname"],
                                  phone=phone, message=data["message"],
                                  encoding=encoded.encoding, segments=encoded.segments)
    return web.json_response({
        "status": "accepted", "duplicate": not created, "message_id": message.message_id,
        "request_id": message.request_id, "phone": message.phone,
        "encoding": message.encoding, "segments": message.segments,
        "characters": len(message.message),
    }, dumps=_dumps)


async def outbox_html(request: web.Request) -> web.StreamResponse:
    outbox = request.app[OUTBOX]
    return web.Response(text=outbox_page(outbox.by_phone(MESSAGES_PER_PHONE), len(outbox)),
                        content_type="text/html", headers={"Cache-Control": "no-store"})


def _admin(handler: Any) -> Any:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not _bearer_ok(request, request.app[CONFIG].admin_token):
            return problem(401, "unauthorized", "Cần mã quản trị",
                           "Gửi Authorization: Bearer <admin_token>.")
        response: web.StreamResponse = await handler(request)
        return response

    return guarded


async def messages(request: web.Request) -> web.StreamResponse:
    """GET: the latest messages, newest first (``?phone=`` in any accepted form, ``?limit=``).
    DELETE: empty the outbox."""
    outbox = request.app[OUTBOX]
    if request.method == "DELETE":
        outbox.clear()
        return web.json_response({"messages": []})
    phone = None
    if request.query.get("phone"):
        phone = normalise_phone(request.query["phone"])
        if phone is None:
            return problem(400, "invalid_phone", "Số điện thoại không hợp lệ",
                           "Số điện thoại di động Việt Nam: 0xxxxxxxxx hoặc 84xxxxxxxxx.")
    try:
        limit = max(1, min(int(request.query.get("limit", "50")), 1000))
    except ValueError:
        return problem(400, "invalid_limit", "limit không hợp lệ", "limit là số nguyên.")
    return web.json_response(
        {"messages": [m.as_json() for m in outbox.latest(phone, limit)]}, dumps=_dumps,
        headers={"Cache-Control": "no-store"})


async def faults(request: web.Request) -> web.StreamResponse:
    injector = request.app[FAULTS]
    if request.method == "POST":
        try:
            injector.set(faults_from_dict(await request.json()))
        except (ValueError, ConfigError) as error:
            return problem(400, "invalid_faults", "Cấu hình lỗi không hợp lệ", str(error))
    elif request.method == "DELETE":
        injector.set({})
    return web.json_response(injector.as_dict())


def create_app(config: GatewayConfig | None = None, *,
               clock: Clock = time.time) -> web.Application:
    """The sandbox gateway as an aiohttp application (``web.run_app``, an AppRunner or
    :func:`govhub_sandbox.serving.start_in_thread`)."""
    config = config or GatewayConfig()
    app = web.Application()
    app[CONFIG] = config
    app[OUTBOX] = Outbox(config.keep_messages, clock)
    app[FAULTS] = FaultInjector()
    app.add_routes([
        web.post("/api/sms/send", send),
        web.get("/", outbox_html),
        web.get("/_sandbox/messages", _admin(messages)),
        web.delete("/_sandbox/messages", _admin(messages)),
        web.get("/_sandbox/faults", _admin(faults)),
        web.post("/_sandbox/faults", _admin(faults)),
        web.delete("/_sandbox/faults", _admin(faults)),
    ])
    return app
