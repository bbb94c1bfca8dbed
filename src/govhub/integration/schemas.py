"""Request and response bodies of /api/integration/ (the gateway-facing bodies are the wire
models of ``govhub_contracts.snapshot`` themselves)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict


class OperationOut(Schema):
    code: str
    method: str
    path: str
    data_class: str
    summary: str


class ServiceOut(Schema):
    id: UUID
    service_id: str
    name: str
    description: str
    version: str
    protocol: str
    support_contact: str
    operations: list[OperationOut]

    @staticmethod
    def resolve_operations(obj: object) -> list[object]:
        return list(obj.operations.all())  # type: ignore[attr-defined]


class SystemOut(Schema):
    id: UUID
    client_id: str
    name: str
    description: str


class AgreementIn(Schema):
    # An unknown field is an error that names it, as everywhere in /api/ (not silently dropped).
    model_config = ConfigDict(extra="forbid")

    consumer_id: UUID = Field(description="A system of your agency, the consumer.")
    service_id: UUID
    operations: list[str] = Field(default_factory=list,
                                  description="Operation codes; empty: the whole service.")
    legal_basis: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    fields: list[str] = Field(default_factory=list)
    valid_from: datetime
    valid_until: datetime


class AgreementOut(Schema):
    id: UUID
    consumer: str
    service: str
    operations: list[str]
    legal_basis: str
    purpose: str
    fields: list[str]
    valid_from: datetime
    valid_until: datetime
    status: str
    is_expired: bool
    decided_at: datetime | None
    refusal_reason: str
    refusal_legal_basis: str

    @staticmethod
    def resolve_consumer(obj: object) -> str:
        return obj.consumer.client_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_service(obj: object) -> str:
        return obj.service.service_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_operations(obj: object) -> list[str]:
        return sorted(obj.operations.values_list("code", flat=True))  # type: ignore[attr-defined]

    @staticmethod
    def resolve_is_expired(obj: object) -> bool:
        return obj.is_expired()  # type: ignore[attr-defined]


class EvidenceAck(Schema):
    accepted: int
    last_sequence: int | None
