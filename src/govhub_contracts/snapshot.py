"""The integration hub's configuration snapshot: what the control plane publishes and every
gateway serves from (docs/exchange-contract.md, control plane and data plane).

A snapshot is immutable and versioned: each change in the registry yields a new one with a
higher ``version``; ``revision`` is the SHA-256 of its canonical JSON (without ``revision``), so
a gateway can prove it holds exactly what the control plane published and the control plane
can use it as the HTTP ETag. The gateway never reads the database: everything it enforces is
here, already resolved (only approved, unexpired agreements become grants).

Identifiers follow X-Road with the instance and member class fixed by the province
(ADR 0013): a *member* is an agency's electronic identification code (mã định danh điện tử,
Decision 20/2020/QĐ-TTg, e.g. ``000.00.00.H12``), a *system* (X-Road's subsystem) is a system
code inside it, and a client is written ``{member}/{system}`` in ``X-Road-Client``; a service is
``{member}/{system}/{service}``, as in the REST path ``/r1/{member}/{system}/{service}/…``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from govhub_contracts.evidence_hash import canonical_datetime, canonical_ms, evidence_digest

SNAPSHOT_MEDIA_TYPE = "application/vnd.govhub.snapshot+json"
# The token type a gateway presents to fetch snapshots, send heartbeats and ship evidence.
GATEWAY_TOKEN_PREFIX = "ghg_"  # noqa: S105 - a prefix, not a secret
# API keys given to consumers: ``ghk_{key_id}_{secret}``; the gateway looks the key up by
# ``key_id`` and compares SHA-256(secret) (the secret is 32 random bytes, so a fast hash is
# enough: nobody can guess it, unlike a password; ADR 0013).
API_KEY_PREFIX = "ghk_"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DataClass(StrEnum):
    """Personal Data Protection Law 91/2025: personal data is never cached by the hub and its
    access is logged; reference data may be served stale when the provider fails."""

    REFERENCE = "reference"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"


class Protocol(StrEnum):
    REST = "rest"
    SOAP = "soap"


class Member(Frozen):
    code: str  # the agency's electronic identification code
    name: str


class System(Frozen):
    member: str
    code: str
    name: str

    @property
    def client_id(self) -> str:
        return f"{self.member}/{self.code}"


class Operation(Frozen):
    """One callable operation. REST: an OpenAPI operation (``method`` + ``path`` template such
    as ``/parcels/{parcel_id}``); SOAP: a WSDL operation (``method`` is ``POST``, ``path`` the
    empty string) matched by the body element's local name, which is ``code``."""

    code: str  # operationId (REST) or operation name (SOAP)
    method: str = "GET"
    path: str = ""
    data_class: DataClass = DataClass.REFERENCE
    summary: str = ""


class MaintenanceWindow(Frozen):
    starts_at: datetime
    ends_at: datetime
    notice: str = ""


class Service(Frozen):
    member: str
    system: str
    code: str
    version: str = "v1"
    protocol: Protocol = Protocol.REST
    name: str = ""
    # Base URLs tried in order (the first healthy one wins); each is ``scheme://host:port/path``.
    endpoints: list[str] = Field(min_length=1)
    operations: list[Operation] = Field(default_factory=list)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_request_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_response_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    # When true the evidence log keeps request and response bodies, not only their hashes.
    log_bodies: bool = False
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)
    # The OpenAPI document (JSON or YAML text) or WSDL served by getOpenAPI / getWsdl.
    description_document: str = ""
    description_media_type: str = "application/json"

    @property
    def service_id(self) -> str:
        return f"{self.member}/{self.system}/{self.code}"


class ApiKey(Frozen):
    key_id: str
    secret_sha256: str  # hex
    client: str  # ``{member}/{system}``
    expires_at: datetime | None = None


class OAuthClient(Frozen):
    """A consumer system authenticating with an access token from govhub's own OpenID
    provider (client-credentials grant): ``client_id`` is the token's ``client_id`` claim."""

    client_id: str
    client: str  # ``{member}/{system}``


class CertificateBinding(Frozen):
    """Optional mutual TLS: a consumer system's client certificate by SHA-256 fingerprint."""

    sha256_fingerprint: str  # lowercase hex of the DER certificate
    client: str


class Grant(Frozen):
    """Access right from one approved data-sharing agreement (deny by default)."""

    agreement_id: str
    client: str  # consumer ``{member}/{system}``
    service: str  # ``{member}/{system}/{service}``
    operations: list[str] | None = None  # None: every operation of the service
    valid_from: datetime
    valid_until: datetime
    fields: list[str] = Field(default_factory=list)


class Quota(Frozen):
    client: str
    requests: int = Field(gt=0)
    per_seconds: int = Field(gt=0)


class TokenIssuer(Frozen):
    """Where the gateway verifies consumers' JWT access tokens (RFC 9068)."""

    issuer: str
    jwks_uri: str
    audience: str = "govhub-gateway"


class Snapshot(Frozen):
    version: int = Field(ge=1)
    revision: str = ""
    generated_at: datetime
    members: list[Member] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    api_keys: list[ApiKey] = Field(default_factory=list)
    oauth_clients: list[OAuthClient] = Field(default_factory=list)
    certificates: list[CertificateBinding] = Field(default_factory=list)
    grants: list[Grant] = Field(default_factory=list)
    quotas: list[Quota] = Field(default_factory=list)
    token_issuer: TokenIssuer | None = None

    def compute_revision(self) -> str:
        canonical = self.model_copy(update={"revision": ""}).model_dump_json()
        return hashlib.sha256(canonical.encode()).hexdigest()

    def sealed(self) -> Snapshot:
        """This snapshot with its ``revision`` filled in."""
        return self.model_copy(update={"revision": self.compute_revision()})

    def is_intact(self) -> bool:
        return bool(self.revision) and self.revision == self.compute_revision()


class EvidenceHead(Frozen):
    """A point of a gateway's evidence chain: a record's sequence and hash (sequence 0 and
    ``GENESIS_HASH`` before the first record)."""

    sequence: int = Field(ge=0)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class Heartbeat(Frozen):
    """What a gateway reports to the control plane every few seconds.

    The two evidence heads anchor the evidence log outside the table that stores it: the
    control plane must hold every record up to ``evidence_shipped`` (the gateway deleted them
    from its spool once acknowledged) with that hash at that sequence, so a removed or
    rewritten tail shows at the next heartbeat. Optional, so an older gateway still reports."""

    gateway: str
    software_version: str
    snapshot_version: int | None = None
    snapshot_revision: str | None = None
    started_at: datetime
    spooled_evidence: int = 0  # records not yet shipped
    evidence_head: EvidenceHead | None = None  # the last record written to the spool
    evidence_shipped: EvidenceHead | None = None  # the last record the control plane stored


class EvidenceRecord(Frozen):
    """One exchange, as the gateway recorded it (personal data minimised: bodies only when the
    service asks for full logging). ``hash`` = SHA-256 over ``previous_hash`` and the canonical
    JSON of every other field, so altering or removing a record breaks the chain after it."""

    gateway: str
    sequence: int = Field(ge=1)
    request_id: str
    client: str
    user_id: str = ""
    issue: str = ""
    service: str
    operation: str = ""
    method: str
    path: str
    status: int
    fault_origin: str = ""
    started_at: datetime
    duration_ms: float
    upstream_ms: float | None = None
    request_bytes: int = 0
    response_bytes: int = 0
    request_sha256: str = ""
    response_sha256: str = ""
    request_body: str | None = None
    response_body: str | None = None
    previous_hash: str
    hash: str = ""

    def compute_hash(self) -> str:
        """SHA-256 of the canonical JSON of every field but ``hash``
        (``govhub_contracts.evidence_hash``: the gateway hashes the same text from a plain
        dict on its hot path)."""
        fields = self.model_dump(exclude={"hash"})
        fields["started_at"] = canonical_datetime(self.started_at)
        fields["duration_ms"] = canonical_ms(self.duration_ms)
        fields["upstream_ms"] = canonical_ms(self.upstream_ms)
        return evidence_digest(fields)


class EvidenceBatch(Frozen):
    records: list[EvidenceRecord]


GENESIS_HASH = "0" * 64
