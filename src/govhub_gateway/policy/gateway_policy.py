"""``GatewayPolicy``: the exchange contract (exchange contract §1, §9, §10) enforced per request.

Each snapshot is compiled once into plain lookups (:class:`Compiled`); ``decide`` reads that
one reference at its start, so a request sees one snapshot from start to end and a swap takes
effect on the next request. ``decide`` never awaits and never does I/O.

The checks, in order, for a service call ``/r1/{member}/{system}/{service}/{path}`` (REST) or
a SOAP envelope POSTed to ``/``: identification (400) → authentication, and the authenticated
system must be the identified client (401) → quota (429, counted for every authenticated
request so a consumer hammering refused calls is slowed too) → service and operation (404,
405) → grant, valid *now* (403) → maintenance (503) → forward. Authentication comes before
the service lookup so that strangers cannot probe the catalogue.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from typing import Any

from govhub_contracts import gateway_problems as problems
from govhub_contracts.snapshot import Protocol, Snapshot
from govhub_gateway.engine.exchange import (
    Decision,
    EvidenceSink,
    Forward,
    Outcome,
    ReadBody,
    RequestHead,
    Respond,
)
from govhub_gateway.evidence.access_log import AccessLog
from govhub_gateway.evidence.canonical import ExchangeFields, canonical_instant, clear_route_cache
from govhub_gateway.evidence.metrics import GatewayMetrics
from govhub_gateway.policy.credentials import (
    CREDENTIAL_HEADERS,
    Authenticated,
    CredentialTable,
    Rejected,
    TokenVerifier,
)
from govhub_gateway.policy.identification import (
    Identification,
    field_error,
    first_values,
    identify_rest,
    repeated_single_valued,
)
from govhub_gateway.policy.metaservices import Catalog, answer_metaservice, compile_catalog
from govhub_gateway.policy.quotas import Limit, QuotaCounters, compile_limits
from govhub_gateway.policy.refusals import Exchange, Refusals
from govhub_gateway.policy.routing import (
    METASERVICE_CODES,
    CompiledService,
    GrantCheck,
    RoutingTable,
    compile_routing,
)
from govhub_gateway.policy.soap import SoapError, parse_request

# The consumer's own X-Road headers are replaced by the ones the gateway vouches for, and its
# credentials never travel upstream.
DROP_HEADERS = CREDENTIAL_HEADERS | frozenset({
    "x-road-client", "x-road-id", "x-road-userid", "x-road-issue", "x-road-service",
    "x-road-request-id"})
_GRANT_REASONS = {
    GrantCheck.NO_AGREEMENT: "không có thỏa thuận / no agreement",
    GrantCheck.NOT_YET_VALID: "thỏa thuận chưa có hiệu lực / agreement not yet valid",
    GrantCheck.EXPIRED: "thỏa thuận đã hết hạn / agreement expired",
    GrantCheck.OPERATION_NOT_GRANTED:
        "thao tác không nằm trong thỏa thuận / operation not in the agreement",
}


@dataclass(slots=True, frozen=True)
class Compiled:
    version: int
    routing: RoutingTable
    credentials: CredentialTable
    catalog: Catalog
    limits: dict[str, Limit]


class GatewayPolicy:
    def __init__(self, *, gateway_id: str, evidence: EvidenceSink, metrics: GatewayMetrics,
                 tokens: TokenVerifier, problem_base_url: str = "",
                 clock: Callable[[], float] = time.time,
                 access_log: AccessLog | None = None) -> None:
        self.gateway_id = gateway_id
        self.evidence = evidence
        self.metrics = metrics
        self.access_log = access_log if access_log is not None else AccessLog()
        self.tokens = tokens
        self.clock = clock
        self.refusals = Refusals(problem_base_url)
        self.quotas = QuotaCounters()
        self._compiled: Compiled | None = None
        # X-Road-Request-Id: unique per exchange across restarts without a uuid4 per request.
        self._id_prefix = f"{gateway_id}-{os.urandom(4).hex()}-"
        self._ids = count(1)

    # -- snapshot ---------------------------------------------------------------------------

    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Compile, then swap one reference. A snapshot that fails to compile raises and
        leaves the previous one serving."""
        compiled = Compiled(snapshot.version, compile_routing(snapshot),
                            CredentialTable(snapshot), compile_catalog(snapshot),
                            compile_limits(snapshot))
        previous = self._compiled
        self.quotas.forget_changed(previous.limits if previous else {}, compiled.limits)
        self.tokens.jwks_uri = snapshot.token_issuer.jwks_uri if snapshot.token_issuer else None
        self._compiled = compiled
        # The encoded-route caches hold no snapshot data, but a swap is the moment routes
        # change: start them afresh rather than keep retired services' text.
        clear_route_cache()
        self.access_log.clear_cache()
        self.metrics.set_snapshot_version(snapshot.version)

    @property
    def snapshot_version(self) -> int | None:
        return self._compiled.version if self._compiled is not None else None

    @property
    def is_ready(self) -> bool:
        return self._compiled is not None

    # -- Policy protocol --------------------------------------------------------------------

    def decide(self, head: RequestHead) -> Decision:
        compiled = self._compiled
        if compiled is None:
            return self.refusals.respond(problems.NOT_READY, Exchange(),
                                         headers=[("retry-after", "5")])
        found = first_values(head.headers)  # one pass for identification and credentials
        if len(found) != len(head.headers):  # some field is repeated: is it one read once?
            refusal = self._refuse_repeated(head)
            if refusal is not None:
                return refusal
        if head.path == "/" and head.method == "POST":
            content_type = head.header("content-type") or ""
            if not content_type.lower().startswith("text/xml"):  # SOAP 1.1 §6.1.1
                return self.refusals.respond(
                    problems.BAD_REQUEST, Exchange(),
                    detail="Yêu cầu SOAP cần Content-Type text/xml / "
                           "A SOAP 1.1 request needs Content-Type text/xml")
            return ReadBody(compiled.routing.soap_max_request_bytes)
        parts = head.path[4:].split("/", 3) if head.path.startswith("/r1/") else []
        if (len(parts) == 1 and parts[0] == "listClients") or (
                len(parts) == 3 and parts[2] in METASERVICE_CODES):
            return answer_metaservice(self, compiled, head, parts)
        if len(parts) < 3 or not all(parts[:3]):
            return self.refusals.respond(
                problems.UNKNOWN_SERVICE, Exchange(),
                detail="Đường dẫn phải là /r1/{member}/{system}/{service}/… / "
                       "The path must be /r1/{member}/{system}/{service}/…")
        return self._rest_call(compiled, head, parts, found)

    def decide_with_body(self, head: RequestHead, body: bytes) -> Forward | Respond:
        compiled = self._compiled
        if compiled is None:
            return self.refusals.respond(problems.NOT_READY, Exchange(), soap=True)
        parsed = parse_request(body)
        if isinstance(parsed, SoapError):
            kind = problems.MISSING_IDENTIFICATION if parsed.errors else problems.BAD_REQUEST
            return self.refusals.respond(kind, Exchange(), detail=parsed.detail,
                                         errors=parsed.errors or None, soap=True)
        exchange = self._exchange(parsed.identification, "/".join(parsed.service_key))
        refusal = self._admit(compiled, head, parsed.identification, exchange, soap=True)
        if refusal is not None:
            return refusal
        routing = compiled.routing
        service = routing.services.get(parsed.service_key) or \
            routing.soap_by_operation.get(parsed.service_key)
        if service is None or service.service.protocol is not Protocol.SOAP or (
                parsed.service_version and parsed.service_version != service.service.version):
            return self._unknown(exchange, soap=True)
        self._label(exchange, service, parsed.operation)
        if service.soap_operations and parsed.operation not in service.soap_operations:
            return self._unknown(exchange, soap=True)
        return self._authorise(compiled, head, service, exchange, parsed.identification,
                                "", "", soap=True)

    def complete(self, head: RequestHead, exchange: Any, outcome: Outcome) -> None:
        if not isinstance(exchange, Exchange):
            return
        fault_origin = outcome.fault_origin or exchange.fault_origin
        self.metrics.observe(exchange.consumer, exchange.provider, exchange.service,
                             exchange.operation, outcome.status, fault_origin,
                             outcome.total_seconds)
        self.access_log.write(request_id=exchange.request_id, client=exchange.client,
                              service=exchange.service_id, operation=exchange.operation,
                              status=outcome.status, duration_ms=outcome.total_seconds * 1000,
                              fault_origin=fault_origin, exchange_id=exchange.exchange_id)
        if exchange.evidence:
            fields = self._evidence_fields(head, exchange, outcome, fault_origin)
            append_fields = getattr(self.evidence, "append_fields", None)
            if append_fields is not None:  # the spool: no dict per exchange (hot path)
                append_fields(fields)
            else:  # any other EvidenceSink takes the contract's dict
                self.evidence.append(fields._asdict())

    # -- steps ------------------------------------------------------------------------------

    def _exchange(self, identification: Identification, service_id: str) -> Exchange:
        return Exchange(request_id=identification.request_id, client=identification.client,
                        user_id=identification.user_id, issue=identification.issue,
                        service_id=service_id, evidence=True)

    def _refuse_repeated(self, head: RequestHead) -> Respond | None:
        repeated = repeated_single_valued(head.headers)
        if not repeated:
            return None
        soap = head.path == "/" and head.method == "POST"
        if any(name.startswith("x-road-") for name in repeated):
            return self.refusals.respond(
                problems.MISSING_IDENTIFICATION, Exchange(), soap=soap,
                detail="Tiêu đề định danh X-Road bị lặp / X-Road identification header repeated",
                errors=[field_error(name, f"{name}: sent more than once", "repeated")
                        for name in repeated])
        return self.refusals.respond(
            problems.BAD_REQUEST, Exchange(), soap=soap,
            detail=f"Thông tin xác thực bị lặp / Credential header repeated: "
                   f"{', '.join(repeated)} (RFC 9110 §5.3)")

    def _rest_call(self, compiled: Compiled, head: RequestHead, parts: list[str],
                   found: dict[str, str]) -> Respond | Forward:
        identification = identify_rest(head.headers, found)
        if isinstance(identification, list):
            return self.refusals.respond(
                problems.MISSING_IDENTIFICATION, Exchange(),
                detail="Thiếu hoặc sai tiêu đề định danh X-Road / "
                       "Missing or malformed X-Road identification headers",
                errors=identification)
        exchange = self._exchange(identification, "/".join(parts[:3]))
        refusal = self._admit(compiled, head, identification, exchange, soap=False,
                              found=found)
        if refusal is not None:
            return refusal
        service = compiled.routing.services.get((parts[0], parts[1], parts[2]))
        if service is None or service.service.protocol is not Protocol.REST:
            return self._unknown(exchange, soap=False)
        rest = "/" + parts[3] if len(parts) == 4 else ""
        self._label(exchange, service, "")
        if service.declares_operations:
            operation, allowed = service.match_rest(head.method, rest.rstrip("/") or "/")
            if operation is None:
                if allowed:
                    return self.refusals.respond(
                        problems.METHOD_NOT_ALLOWED, exchange,
                        headers=[("allow", ", ".join(sorted(set(allowed))))])
                return self._unknown(exchange, soap=False)
            exchange.operation = operation
        return self._authorise(compiled, head, service, exchange, identification, rest,
                               head.query, soap=False)

    def authenticate(self, compiled: Compiled, head: RequestHead, exchange: Exchange,
                     claimed: str | None, soap: bool,
                     found: dict[str, str] | None = None) -> Respond | None:
        """401 unless a valid credential is presented and (when ``claimed``) names that
        client; on success ``exchange.consumer`` is the authenticated system. ``found``:
        the request's headers by name, first value each (``first_values``), if built."""
        result = compiled.credentials.authenticate(
            head.headers, head.peer_certificate_sha256, self.tokens, self.clock(), found)
        if isinstance(result, Authenticated) and claimed is not None and result.client != claimed:
            result = Rejected(f"thông tin xác thực thuộc về {result.client}, không phải "
                              f"X-Road-Client {claimed} / the credential belongs to "
                              f"{result.client}, not to X-Road-Client {claimed}")
        if isinstance(result, Authenticated):
            exchange.consumer = result.client
            return None
        reason = "không có thông tin xác thực / no credential presented" if result is None \
            else result.reason
        challenge = 'Bearer realm="govhub-gateway"'
        if isinstance(result, Rejected) and result.bearer_error:
            challenge += f', error="{result.bearer_error}"'  # RFC 6750 §3
        return self.refusals.respond(problems.NOT_AUTHENTICATED, exchange, detail=reason,
                                     headers=[("www-authenticate", challenge)], soap=soap)

    def take_quota(self, compiled: Compiled, exchange: Exchange, soap: bool) -> Respond | None:
        client = exchange.consumer
        retry_after = self.quotas.take(client, compiled.limits.get(client), self.clock())
        if not retry_after:
            return None
        return self.refusals.respond(
            problems.QUOTA_EXCEEDED, exchange, soap=soap,
            detail=f"Hệ thống {client} đã vượt hạn mức, thử lại sau {retry_after} giây / "
                   f"{client} exceeded its quota; retry in {retry_after} s",
            headers=[("retry-after", str(retry_after))])

    def _admit(self, compiled: Compiled, head: RequestHead, identification: Identification,
               exchange: Exchange, soap: bool,
               found: dict[str, str] | None = None) -> Respond | None:
        refusal = self.authenticate(compiled, head, exchange, identification.client, soap,
                                    found)
        if refusal is None:
            refusal = self.take_quota(compiled, exchange, soap)
        return refusal

    def _label(self, exchange: Exchange, service: CompiledService, operation: str) -> None:
        exchange.provider = service.provider
        exchange.service = service.service.code
        exchange.service_id = service.service_id  # SOAP may name the operation, not the service
        exchange.operation = operation
        exchange.log_bodies = service.service.log_bodies

    def _unknown(self, exchange: Exchange, soap: bool) -> Respond:
        return self.refusals.respond(
            problems.UNKNOWN_SERVICE, exchange, soap=soap,
            detail=f"Không có dịch vụ hoặc thao tác này: {exchange.service_id} / "
                   f"No such service or operation: {exchange.service_id}")

    def _authorise(self, compiled: Compiled, head: RequestHead, service: CompiledService,
                   exchange: Exchange, identification: Identification, rest: str,
                   query: str, soap: bool) -> Forward | Respond:
        """``rest`` is the path after the service code ("" for SOAP), ``query`` the query
        without "?"; both are appended to each endpoint's base path."""
        now = self.clock()
        operation = exchange.operation
        verdict = compiled.routing.check_grant(identification.client, service.service_id,
                                               operation, now)
        if verdict != GrantCheck.ALLOWED:
            what = f"{service.service_id}" + (f" ({operation})" if operation else "")
            return self.refusals.respond(
                problems.ACCESS_DENIED, exchange, soap=soap,
                detail=f"{identification.client} không được gọi / may not call {what}: "
                       f"{_GRANT_REASONS[verdict]}")
        slot = service.maintenance_at(now)
        if slot is not None:
            until = datetime.fromtimestamp(slot.ends_at, UTC).isoformat()
            return self.refusals.respond(
                problems.UNDER_MAINTENANCE, exchange, soap=soap,
                detail=f"Bảo trì đến / under maintenance until {until}. {slot.notice}".strip(),
                headers=[("retry-after", str(max(1, math.ceil(slot.ends_at - now))))])
        return self._forward(service, exchange, identification, rest, query)

    def _forward(self, service: CompiledService, exchange: Exchange,
                 identification: Identification, rest: str, query: str) -> Forward:
        exchange.exchange_id = f"{self._id_prefix}{next(self._ids)}"
        spec = service.service
        # Every endpoint gets the same rest-of-path and query; a single-endpoint service (the
        # common case) builds no tuple at all.
        alternates = () if not service.alternates else tuple(
            (e.scheme, e.host, e.port, _target(e.base_path, rest, query), e.host_header)
            for e in service.alternates)
        return Forward(
            scheme=service.scheme, host=service.host, port=service.port,
            target=_target(service.base_path, rest, query), alternates=alternates,
            timeout_seconds=spec.timeout_seconds, max_request_bytes=spec.max_request_bytes,
            max_response_bytes=spec.max_response_bytes,
            add_headers=[("X-Road-Client", identification.client),
                         ("X-Road-Id", identification.request_id),
                         ("X-Road-UserId", identification.user_id),
                         ("X-Road-Issue", identification.issue),
                         ("X-Road-Service", service.service_id),
                         ("X-Road-Request-Id", exchange.exchange_id)],
            drop_headers=DROP_HEADERS, host_header=service.host_header,
            capture_bodies=spec.log_bodies, exchange=exchange)

    def _evidence_fields(self, head: RequestHead, exchange: Exchange, outcome: Outcome,
                         fault_origin: str) -> ExchangeFields:
        """EvidenceRecord's fields. The path without its query: queries often carry search
        terms that are personal data (Law 91/2025, minimisation); bodies only when the
        service asks for full logging. ``started_at`` as ``canonical_datetime`` text: valid
        for EvidenceRecord, and formatted without a datetime (per-record cost)."""
        upstream = outcome.upstream_seconds
        request_body = response_body = None
        if exchange.log_bodies:
            if outcome.request_body is not None:
                request_body = outcome.request_body.decode("utf-8", errors="replace")
            if outcome.response_body is not None:
                response_body = outcome.response_body.decode("utf-8", errors="replace")
        return ExchangeFields(
            exchange.request_id, exchange.client, exchange.service_id, head.method, head.path,
            outcome.status, canonical_instant(head.received_at), outcome.total_seconds * 1000,
            exchange.user_id, exchange.issue, exchange.operation, fault_origin,
            None if upstream is None else upstream * 1000, outcome.request_bytes,
            outcome.response_bytes, outcome.request_sha256, outcome.response_sha256,
            request_body, response_body)


def _target(base_path: str, rest: str, query: str) -> str:
    """The upstream request-target: the endpoint's base path, the rest of the consumer's path
    and its query, as sent (RFC 9112 §3.2.1 origin-form)."""
    target = (base_path + rest) or "/"
    return f"{target}?{query}" if query else target
