"""Facts about the current request that services need for audit records (IP address,
request id) without every service signature carrying the request."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None
    user_agent: str


current: ContextVar[RequestContext | None] = ContextVar("govhub_request_context", default=None)
