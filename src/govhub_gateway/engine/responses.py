"""Responses the gateway writes itself: policy answers (Respond) and problem+json errors.

Every engine error carries the request id (the client's X-Road-Id when it sent one, the
exchange contract's idempotency key, else a fresh uuid4) both in the body and in the
X-Road-Request-Id header, so an operator can find the exchange from either side.
"""

from __future__ import annotations

import time
import uuid
from email.utils import formatdate

from govhub_contracts.gateway_problems import GatewayProblemType, problem_body
from govhub_contracts.problem import MEDIA_TYPE
from govhub_gateway.engine.exchange import RequestHead

SERVER = "govhub-gateway"
_REASONS = {
    100: "Continue", 200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    408: "Request Timeout", 413: "Content Too Large", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}
_date_cache: tuple[int, str] = (0, "")


def http_date() -> str:
    """IMF-fixdate of now (RFC 9110 §5.6.7), formatted once per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


def reason(status: int) -> str:
    return _REASONS.get(status, "Status")


def request_id(head: RequestHead | None) -> str:
    supplied = head.header("x-road-id") if head is not None else None
    return supplied if supplied else str(uuid.uuid4())


def local_response(status: int, headers: list[tuple[str, str]], body: bytes, *,
                   keep_alive: bool, head_only: bool = False) -> bytes:
    """A complete HTTP/1.1 response with Content-Length, Date and Server set by us."""
    skip = {"content-length", "transfer-encoding", "connection", "date", "server"}
    lines = [f"HTTP/1.1 {status} {reason(status)}", f"Date: {http_date()}",
             f"Server: {SERVER}", f"Content-Length: {len(body)}"]
    if not keep_alive:
        lines.append("Connection: close")
    lines.extend(f"{name}: {value}" for name, value in headers if name.lower() not in skip)
    wire = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return wire if head_only else wire + body


def problem(kind: GatewayProblemType, *, head: RequestHead | None, base_url: str,
            detail: str | None = None) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body of a problem+json answer (RFC 9457) for ``kind``."""
    rid = request_id(head)
    body = problem_body(kind, detail=detail, request_id=rid, base_url=base_url)
    return [("Content-Type", MEDIA_TYPE), ("X-Road-Request-Id", rid)], body
