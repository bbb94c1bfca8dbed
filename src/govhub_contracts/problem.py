"""RFC 9457 problem details, the one error shape of every govhub API and the gateway.

The exchange contract (docs/exchange-contract.md §2) adds two extension members to the RFC's five:
``fault_origin`` (who must act) and ``retryable`` (whether the same request may succeed
later), plus ``errors`` with one entry per invalid field (RFC 9457 §3.2's example shape).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MEDIA_TYPE = "application/problem+json"


class FaultOrigin(StrEnum):
    CLIENT = "client"
    PROVIDER_BUSINESS = "provider-business"
    PROVIDER_TECHNICAL = "provider-technical"
    PLATFORM = "platform"


class FieldError(BaseModel):
    # RFC 9457 §3.2 example: a JSON Pointer into the request body ("#/email");
    # `field` is the same place in dotted form, for people and simple clients.
    pointer: str
    field: str
    detail: str
    code: str = ""


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int = Field(ge=100, le=599)
    detail: str | None = None
    instance: str | None = None
    fault_origin: FaultOrigin = FaultOrigin.CLIENT
    retryable: bool = False
    request_id: str | None = None
    errors: list[FieldError] | None = None

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()
