"""X-Road's REST metaservices, answered by the gateway itself (X-Road message protocol for
REST §4 "Metaservices"; GovStack Information Mediator BB, "discovery").

- ``GET /r1/listClients``: every member and system of the province. The shape follows X-Road's
  loosely: ``{"member": [{"id": {"object_type", "member_code", "subsystem_code"}, "name"}]}``,
  one entry per member (``object_type`` MEMBER, no ``subsystem_code``) and one per system
  (SUBSYSTEM). ``xroad_instance`` and ``member_class`` are left out: the province fixes them
  (ADR 0013), so they would carry no information.
- ``GET /r1/{member}/{system}/listMethods``: the services of that provider system:
  ``{"service": [{"member_code", "subsystem_code", "service_code", "service_version",
  "service_type" ("REST" or "WSDL"), "name", "endpoint_list": [{"method", "path",
  "operation_code", "data_class"}]}]}``.
- ``GET /r1/{member}/{system}/allowedMethods``: the same shape, only what the calling system
  may call *now*: exactly its currently valid grants (a grant for every operation of a
  service without declared operations shows as ``{"method": "*", "path": "*"}``, X-Road's
  wildcard).
- ``GET /r1/{member}/{system}/getOpenAPI?serviceCode=X`` and ``getWsdl?serviceCode=X``: the
  service's description document with its own media type (getOpenAPI also hands out a SOAP
  service's WSDL; getWsdl only that).

Access (decided here, enforced by the policy): every metaservice needs an authenticated
consumer system, as X-Road requires a registered client; none needs a grant. The catalogue
is not secret inside the province, but anonymous enumeration of it would be a gift to an
attacker. ``allowedMethods`` also needs the identification headers, because its answer is
about the identified client.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import Protocol as TypingProtocol
from urllib.parse import parse_qs

from govhub_contracts import gateway_problems as problems
from govhub_contracts.snapshot import Protocol, Service, Snapshot
from govhub_gateway.engine.exchange import RequestHead, Respond
from govhub_gateway.policy.identification import identify_rest
from govhub_gateway.policy.refusals import Exchange, Refusals
from govhub_gateway.policy.routing import RoutingTable

JSON = "application/json"


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _endpoints(service: Service, operations: frozenset[str] | None) -> list[dict[str, str]]:
    if not service.operations:
        return [{"method": "*", "path": "*"}]
    return [{"method": op.method.upper(), "path": op.path, "operation_code": op.code,
             "data_class": op.data_class.value}
            for op in service.operations if operations is None or op.code in operations]


def _service_entry(service: Service, operations: frozenset[str] | None) -> dict[str, Any]:
    return {"member_code": service.member, "subsystem_code": service.system,
            "service_code": service.code, "service_version": service.version,
            "service_type": "WSDL" if service.protocol is Protocol.SOAP else "REST",
            "name": service.name, "endpoint_list": _endpoints(service, operations)}


@dataclass(slots=True, frozen=True)
class Catalog:
    """Answers precomputed per snapshot, except allowedMethods (it depends on the clock)."""

    list_clients: bytes
    list_methods: dict[tuple[str, str], bytes]  # provider (member, system) → body
    services_by_provider: dict[tuple[str, str], tuple[Service, ...]]


def compile_catalog(snapshot: Snapshot) -> Catalog:
    members: list[dict[str, Any]] = [
        {"id": {"object_type": "MEMBER", "member_code": m.code}, "name": m.name}
        for m in snapshot.members]
    members += [{"id": {"object_type": "SUBSYSTEM", "member_code": s.member,
                        "subsystem_code": s.code}, "name": s.name} for s in snapshot.systems]
    by_provider: dict[tuple[str, str], list[Service]] = {}
    for service in snapshot.services:
        by_provider.setdefault((service.member, service.system), []).append(service)
    for system in snapshot.systems:  # a system with no services still answers (empty list)
        by_provider.setdefault((system.member, system.code), [])
    return Catalog(
        list_clients=_dumps({"member": members}),
        list_methods={key: _dumps({"service": [_service_entry(s, None) for s in services]})
                      for key, services in by_provider.items()},
        services_by_provider={key: tuple(value) for key, value in by_provider.items()})


def allowed_methods(catalog: Catalog, routing: RoutingTable, client: str,
                    provider: tuple[str, str], now: float) -> bytes | None:
    """What ``client`` may call on ``provider`` now; None when the provider is unknown."""
    services = catalog.services_by_provider.get(provider)
    if services is None:
        return None
    entries = []
    for service in services:
        granted = routing.granted_operations(client, service.service_id, now)
        if granted is False:
            continue
        operations = granted if isinstance(granted, frozenset) else None
        entries.append(_service_entry(service, operations))
    return _dumps({"service": entries})


def description(catalog: Catalog, provider: tuple[str, str], service_code: str,
                wsdl: bool) -> tuple[bytes, str] | None:
    """(document, media type) of a service, None when there is none to give."""
    for service in catalog.services_by_provider.get(provider, ()):
        if service.code == service_code and service.description_document:
            if wsdl and service.protocol is not Protocol.SOAP:
                return None  # getWsdl is for SOAP services; getOpenAPI serves either
            return service.description_document.encode(), service.description_media_type
    return None


class CompiledSnapshot(TypingProtocol):
    """What the metaservices read of the policy's compiled snapshot (``Compiled``)."""

    @property
    def catalog(self) -> Catalog: ...

    @property
    def routing(self) -> RoutingTable: ...


class PolicySteps(TypingProtocol):
    """The steps of ``GatewayPolicy`` a metaservice call goes through like any other call;
    a protocol, so that this module need not import the policy that imports it."""

    refusals: Refusals
    clock: Callable[[], float]

    def authenticate(self, compiled: Any, head: RequestHead, exchange: Exchange,
                     claimed: str | None, soap: bool,
                     found: dict[str, str] | None = None) -> Respond | None: ...

    def take_quota(self, compiled: Any, exchange: Exchange, soap: bool) -> Respond | None: ...


def answer_metaservice(policy: PolicySteps, compiled: CompiledSnapshot, head: RequestHead,
                       parts: list[str]) -> Respond:
    """``parts``: ``["listClients"]`` or ``[member, system, name]``."""
    name = parts[-1]
    exchange = Exchange(service=name, service_id=name if len(parts) == 1 else "/".join(parts))
    refusals = policy.refusals
    if head.method != "GET":
        return refusals.respond(problems.METHOD_NOT_ALLOWED, exchange, headers=[("allow", "GET")])
    refusal = policy.authenticate(compiled, head, exchange, head.header("x-road-client"),
                                  soap=False)
    if refusal is None:
        refusal = policy.take_quota(compiled, exchange, soap=False)
    if refusal is not None:
        return refusal
    if name == "listClients":
        return _ok(exchange, compiled.catalog.list_clients, JSON)
    provider = (parts[0], parts[1])
    if name == "listMethods":
        body = compiled.catalog.list_methods.get(provider)
    elif name == "allowedMethods":
        identification = identify_rest(head.headers)
        if isinstance(identification, list):
            return refusals.respond(problems.MISSING_IDENTIFICATION, exchange,
                                    errors=identification)
        body = allowed_methods(compiled.catalog, compiled.routing, exchange.consumer,
                               provider, policy.clock())
    else:
        code = parse_qs(head.query).get("serviceCode", [""])[0]
        document = description(compiled.catalog, provider, code, wsdl=name == "getWsdl")
        if document is not None:
            return _ok(exchange, document[0], document[1])
        body = None
    if body is None:
        return refusals.respond(
            problems.UNKNOWN_SERVICE, exchange,
            detail=f"Không có hệ thống hoặc tài liệu này / Unknown provider or document: "
                   f"{exchange.service_id}")
    return _ok(exchange, body, JSON)


def _ok(exchange: Exchange, body: bytes, media_type: str) -> Respond:
    return Respond(status=200, headers=[("content-type", media_type)], body=body,
                   exchange=exchange)
