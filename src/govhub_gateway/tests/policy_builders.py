"""Builders for the policy tests: a small province snapshot, request heads, a policy with an
injected clock and a list as its evidence sink (the test's own collaborator)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from govhub_contracts.snapshot import (
    ApiKey,
    CertificateBinding,
    Grant,
    Member,
    OAuthClient,
    Operation,
    Protocol,
    Service,
    Snapshot,
    System,
    TokenIssuer,
)
from govhub_gateway.engine.exchange import Outcome, RequestHead
from govhub_gateway.evidence.metrics import GatewayMetrics
from govhub_gateway.policy.credentials import TokenVerifier
from govhub_gateway.policy.gateway_policy import GatewayPolicy

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
LAND = "000.00.00.H12"  # Sở Tài nguyên và Môi trường (provider)
ONEGATE_MEMBER = "000.00.00.H12.05"
CONSUMER = f"{ONEGATE_MEMBER}/onegate"  # the one-stop-shop system (consumer)
OTHER = f"{ONEGATE_MEMBER}/hrm"
POP = "000.00.00.G01"  # the ministry's population database (SOAP provider)
PARCELS = f"{LAND}/land/parcels"
CITIZENS = f"{POP}/pop/citizens"
KEY_SECRET = "k" * 43
API_KEY = f"ghk_key1_{KEY_SECRET}"
OTHER_KEY = f"ghk_key2_{'o' * 43}"
CERT_SHA256 = "ab" * 32
ISSUER = "https://sso.example.gov.vn"
WSDL = '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" name="citizens"/>'
OPENAPI = '{"openapi": "3.1.0", "info": {"title": "Parcels", "version": "1"}}'


class Clock:
    def __init__(self, start: datetime = NOW) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def parcels_service(**changes: Any) -> Service:
    values: dict[str, Any] = {
        "member": LAND, "system": "land", "code": "parcels", "name": "Thửa đất",
        "endpoints": ["http://127.0.0.1:9001/api/"],
        "operations": [
            Operation(code="getParcel", method="GET", path="/parcels/{parcel_id}"),
            Operation(code="listParcels", method="GET", path="/parcels"),
            Operation(code="createParcel", method="POST", path="/parcels"),
        ],
        "timeout_seconds": 7.5, "max_request_bytes": 1000, "max_response_bytes": 2000,
        "description_document": OPENAPI}
    values.update(changes)
    return Service(**values)


def citizens_service(**changes: Any) -> Service:
    values: dict[str, Any] = {
        "member": POP, "system": "pop", "code": "citizens", "protocol": Protocol.SOAP,
        "endpoints": ["https://pop.example.gov.vn:8443/soap/citizens"],
        "operations": [Operation(code="getCitizen", method="POST", path="")],
        "description_document": WSDL, "description_media_type": "text/xml"}
    values.update(changes)
    return Service(**values)


def grant(client: str = CONSUMER, service: str = PARCELS, operations: list[str] | None = None,
          days_left: float = 30, agreement: str = "TT-2026-001") -> Grant:
    return Grant(agreement_id=agreement, client=client, service=service, operations=operations,
                 valid_from=NOW - timedelta(days=1), valid_until=NOW + timedelta(days=days_left))


def snapshot(version: int = 1, **changes: Any) -> Snapshot:
    values: dict[str, Any] = {
        "version": version, "generated_at": NOW,
        "members": [Member(code=LAND, name="Sở Tài nguyên và Môi trường"),
                    Member(code=ONEGATE_MEMBER, name="Trung tâm Phục vụ hành chính công"),
                    Member(code=POP, name="Bộ Công an")],
        "systems": [System(member=LAND, code="land", name="Cơ sở dữ liệu đất đai"),
                    System(member=ONEGATE_MEMBER, code="onegate", name="Một cửa điện tử"),
                    System(member=ONEGATE_MEMBER, code="hrm", name="Quản lý cán bộ"),
                    System(member=POP, code="pop", name="CSDL quốc gia về dân cư")],
        "services": [parcels_service(), citizens_service()],
        "api_keys": [
            ApiKey(key_id="key1", secret_sha256=hashlib.sha256(KEY_SECRET.encode()).hexdigest(),
                   client=CONSUMER),
            ApiKey(key_id="key2", secret_sha256=hashlib.sha256(b"o" * 43).hexdigest(),
                   client=OTHER)],
        "oauth_clients": [OAuthClient(client_id="onegate-app", client=CONSUMER)],
        "certificates": [CertificateBinding(sha256_fingerprint=CERT_SHA256, client=CONSUMER)],
        "grants": [grant(), grant(service=CITIZENS, operations=["getCitizen"],
                                  agreement="TT-2026-002")],
        "token_issuer": TokenIssuer(issuer=ISSUER, jwks_uri=f"{ISSUER}/o/jwks"),
    }
    values.update(changes)
    return Snapshot(**values).sealed()


def identification(client: str = CONSUMER, request_id: str = "req-0001") -> dict[str, str]:
    return {"x-road-client": client, "x-road-id": request_id, "x-road-userid": "officer-17",
            "x-road-issue": "1.004227.000.00.00.H12"}


def head(target: str, method: str = "GET", headers: dict[str, str] | None = None,
         auth: str | None = API_KEY, peer: str | None = None,
         extra: list[tuple[str, str]] | None = None) -> RequestHead:
    path, _, query = target.partition("?")
    pairs = list((headers if headers is not None else identification()).items())
    if auth is not None:
        pairs.append(("authorization", f"Bearer {auth}"))
    pairs.extend(extra or [])
    return RequestHead(method=method, target=target, path=path, query=query, headers=pairs,
                       client_address="127.0.0.1", received_at=NOW.timestamp(),
                       peer_certificate_sha256=peer)


@dataclass
class Harness:
    policy: GatewayPolicy
    evidence: list[dict[str, Any]]
    metrics: GatewayMetrics
    clock: Clock
    tokens: TokenVerifier


@dataclass
class EvidenceList:
    records: list[dict[str, Any]] = field(default_factory=list)

    def append(self, fields: dict[str, Any]) -> None:
        self.records.append(fields)


def harness(snap: Snapshot | None = None, *, problem_base_url: str = "https://hub.test"
            ) -> Harness:
    clock = Clock()
    sink = EvidenceList()
    metrics = GatewayMetrics()
    tokens = TokenVerifier(clock=clock)
    policy = GatewayPolicy(gateway_id="gw-test", evidence=sink, metrics=metrics, tokens=tokens,
                           problem_base_url=problem_base_url, clock=clock)
    policy.update_snapshot(snap if snap is not None else snapshot())
    return Harness(policy, sink.records, metrics, clock, tokens)


def outcome(status: int = 200, *, fault_origin: str = "", request_body: bytes | None = None,
            response_body: bytes | None = None) -> Outcome:
    return Outcome(status=status, fault_origin=fault_origin, request_bytes=12,
                   response_bytes=34, request_sha256="a" * 64, response_sha256="b" * 64,
                   total_seconds=0.0042, upstream_seconds=0.003, request_body=request_body,
                   response_body=response_body)
