"""The snapshot compiled into plain lookups (docs/exchange-contract.md: policies are compiled
from the snapshot into plain lookups, so a request pays microseconds).

Everything here is built once per snapshot and never mutated afterwards, so the policy can
swap one reference to a :class:`RoutingTable` atomically while requests are in flight.
Datetimes become POSIX seconds so that the per-request checks (grant validity, maintenance)
are float comparisons against the clock — checked on every request, because the end of an
agreement ends access by itself, whether or not a new snapshot has arrived.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from govhub_contracts.snapshot import Grant, Operation, Protocol, Service, Snapshot

# Reserved service codes: the metaservices of X-Road's REST protocol (and GovStack's
# Information Mediator); no provider service may use these codes.
METASERVICE_CODES = frozenset({"listClients", "listMethods", "allowedMethods", "getOpenAPI",
                               "getWsdl"})
_TEMPLATE_PARAM = re.compile(r"\{[^{}/]+\}")


@dataclass(slots=True, frozen=True)
class RestOperation:
    code: str
    method: str
    template: str
    pattern: re.Pattern[str] | None  # None: the template has no parameters (literal match)


@dataclass(slots=True, frozen=True)
class MaintenanceSlot:
    starts_at: float
    ends_at: float
    notice: str


@dataclass(slots=True, frozen=True)
class Endpoint:
    """One of a service's base URLs, split once so that a request only concatenates."""

    scheme: str
    host: str
    port: int
    host_header: str
    base_path: str  # without a trailing "/"; "" for the root


@dataclass(slots=True)
class CompiledService:
    service: Service
    service_id: str  # ``{member}/{system}/{code}``
    provider: str  # ``{member}/{system}``
    scheme: str
    host: str
    port: int
    host_header: str
    base_path: str  # without a trailing "/"; "" for the root
    # Literal templates: (method, path) → code; templated ones tried in order after.
    literal: dict[tuple[str, str], str] = field(default_factory=dict)
    literal_paths: dict[str, list[str]] = field(default_factory=dict)  # path → methods
    templated: list[RestOperation] = field(default_factory=list)
    soap_operations: frozenset[str] = frozenset()
    maintenance: tuple[MaintenanceSlot, ...] = ()
    # The 2nd… endpoints, in the registered order: failover targets when the ones before
    # cannot be connected to (a service registers one or more endpoint URLs).
    alternates: tuple[Endpoint, ...] = ()

    @property
    def declares_operations(self) -> bool:
        return bool(self.service.operations)

    def match_rest(self, method: str, path: str) -> tuple[str | None, list[str]]:
        """The operation code for ``method path``, or (None, methods the path allows)."""
        code = self.literal.get((method, path))
        if code is not None:
            return code, []
        allowed = list(self.literal_paths.get(path, ()))
        for operation in self.templated:
            if operation.pattern is not None and operation.pattern.fullmatch(path):
                if operation.method == method:
                    return operation.code, []
                allowed.append(operation.method)
        return None, allowed

    def maintenance_at(self, now: float) -> MaintenanceSlot | None:
        for slot in self.maintenance:
            if slot.starts_at <= now < slot.ends_at:
                return slot
        return None


@dataclass(slots=True, frozen=True)
class CompiledGrant:
    agreement_id: str
    valid_from: float
    valid_until: float
    operations: frozenset[str] | None  # None: every operation


class GrantCheck:
    """The answer to "may this client call this operation now?" with the reason when not."""

    ALLOWED = "allowed"
    NO_AGREEMENT = "no-agreement"
    NOT_YET_VALID = "not-yet-valid"
    EXPIRED = "expired"
    OPERATION_NOT_GRANTED = "operation-not-granted"


@dataclass(slots=True)
class RoutingTable:
    version: int
    services: dict[tuple[str, str, str], CompiledService]
    grants: dict[tuple[str, str], tuple[CompiledGrant, ...]]  # (client, service_id) → grants
    soap_max_request_bytes: int
    # X-Road names each SOAP operation a service (its serviceCode is the Body element's name),
    # while govhub registers one WSDL as one service: (member, system, operation) → service.
    soap_by_operation: dict[tuple[str, str, str], CompiledService] = field(default_factory=dict)

    def check_grant(self, client: str, service_id: str, operation: str, now: float) -> str:
        grants = self.grants.get((client, service_id))
        if not grants:
            return GrantCheck.NO_AGREEMENT
        reason = GrantCheck.NO_AGREEMENT
        for grant in grants:
            if now < grant.valid_from:
                reason = GrantCheck.NOT_YET_VALID
            elif now >= grant.valid_until:
                reason = GrantCheck.EXPIRED
            elif grant.operations is None or operation in grant.operations:
                return GrantCheck.ALLOWED
            else:
                reason = GrantCheck.OPERATION_NOT_GRANTED
        return reason

    def granted_operations(self, client: str, service_id: str, now: float
                           ) -> frozenset[str] | bool | None:
        """What ``client`` may call on ``service_id`` now: None for every operation, a set of
        codes, or False for nothing (the union over its valid grants)."""
        granted: set[str] = set()
        any_valid = False
        for grant in self.grants.get((client, service_id), ()):
            if grant.valid_from <= now < grant.valid_until:
                if grant.operations is None:
                    return None
                any_valid = True
                granted |= grant.operations
        return frozenset(granted) if any_valid else False


def compile_template(template: str) -> re.Pattern[str] | None:
    """``/parcels/{parcel_id}`` → a pattern where each parameter matches one path segment
    (OpenAPI 3.1 §4.8.8.1: path parameters never span "/")."""
    if not _TEMPLATE_PARAM.search(template):
        return None
    parts = _TEMPLATE_PARAM.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _normalised_path(path: str) -> str:
    if not path.startswith("/"):
        path = "/" + path
    return path.rstrip("/") or "/"


def _compile_operations(compiled: CompiledService, operations: list[Operation]) -> None:
    for operation in operations:
        method = operation.method.upper()
        template = _normalised_path(operation.path)
        pattern = compile_template(template)
        if pattern is None:
            compiled.literal[(method, template)] = operation.code
            compiled.literal_paths.setdefault(template, []).append(method)
        else:
            compiled.templated.append(RestOperation(operation.code, method, template, pattern))


def compile_endpoint(endpoint: str) -> Endpoint:
    """``scheme://host:port/path`` → its parts; Host omits a default port (RFC 9110 §7.2)."""
    url = urlsplit(endpoint)
    scheme = url.scheme or "http"
    default_port = 443 if scheme == "https" else 80
    port = url.port or default_port
    host = url.hostname or "127.0.0.1"
    return Endpoint(scheme=scheme, host=host, port=port,
                    host_header=host if port == default_port else f"{host}:{port}",
                    base_path=url.path.rstrip("/"))


def compile_service(service: Service) -> CompiledService:
    first, *others = (compile_endpoint(endpoint) for endpoint in service.endpoints)
    compiled = CompiledService(
        service=service, service_id=service.service_id,
        provider=f"{service.member}/{service.system}", scheme=first.scheme, host=first.host,
        port=first.port, host_header=first.host_header, base_path=first.base_path,
        maintenance=tuple(MaintenanceSlot(w.starts_at.timestamp(), w.ends_at.timestamp(),
                                          w.notice) for w in service.maintenance),
        alternates=tuple(others))
    if service.protocol is Protocol.SOAP:
        compiled.soap_operations = frozenset(op.code for op in service.operations)
    else:
        _compile_operations(compiled, service.operations)
    return compiled


def _compile_grant(grant: Grant) -> CompiledGrant:
    operations = None if grant.operations is None else frozenset(grant.operations)
    return CompiledGrant(grant.agreement_id, grant.valid_from.timestamp(),
                         grant.valid_until.timestamp(), operations)


def compile_routing(snapshot: Snapshot) -> RoutingTable:
    services = {(s.member, s.system, s.code): compile_service(s) for s in snapshot.services}
    grants: dict[tuple[str, str], list[CompiledGrant]] = {}
    for grant in snapshot.grants:
        grants.setdefault((grant.client, grant.service), []).append(_compile_grant(grant))
    soap_max = max((s.max_request_bytes for s in snapshot.services
                    if s.protocol is Protocol.SOAP), default=1024 * 1024)
    soap_by_operation = {(s.service.member, s.service.system, operation): s
                         for s in services.values() for operation in s.soap_operations}
    return RoutingTable(version=snapshot.version, services=services,
                        grants={key: tuple(value) for key, value in grants.items()},
                        soap_max_request_bytes=soap_max, soap_by_operation=soap_by_operation)
