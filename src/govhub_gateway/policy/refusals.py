"""Local answers of the policy: refusals as RFC 9457 problem+json (REST) or SOAP 1.1 Faults
(SOAP, see ``govhub_gateway.policy.soap``), and the per-exchange context handed back in
``Policy.complete``."""

from __future__ import annotations

from dataclasses import dataclass

from govhub_contracts.gateway_problems import MEDIA_TYPE, GatewayProblemType, problem_body
from govhub_contracts.problem import FaultOrigin, FieldError
from govhub_gateway.engine.exchange import Respond
from govhub_gateway.policy.soap import SOAP_CONTENT_TYPE, fault

NO_LABEL = "-"  # metric label for "not known" (keeps series bounded)


@dataclass(slots=True)
class Exchange:
    """What the policy knows about one exchange; returned to it in ``complete``."""

    request_id: str = ""
    client: str = ""  # the X-Road client the consumer claimed (identification)
    consumer: str = NO_LABEL  # authenticated consumer system: the metrics label
    user_id: str = ""
    issue: str = ""
    service_id: str = ""  # the service asked for, known or not
    provider: str = NO_LABEL  # metrics label: ``{member}/{system}`` of a known service
    service: str = NO_LABEL  # metrics label: code of a known service (or a metaservice)
    operation: str = ""
    fault_origin: str = ""  # of a local refusal (the engine does not know it)
    exchange_id: str = ""  # the gateway's own id, sent upstream as X-Road-Request-Id
    log_bodies: bool = False
    evidence: bool = False  # identified exchanges only (refusals included)


class Refusals:
    def __init__(self, problem_base_url: str) -> None:
        self.base_url = problem_base_url

    def respond(self, kind: GatewayProblemType, exchange: Exchange, *, detail: str | None = None,
                headers: list[tuple[str, str]] | None = None,
                errors: list[FieldError] | None = None, soap: bool = False) -> Respond:
        exchange.fault_origin = kind.fault_origin.value
        extensions: dict[str, object] = {"errors": errors} if errors else {}
        body = problem_body(kind, detail=detail, request_id=exchange.request_id or None,
                            base_url=self.base_url, **extensions)
        if soap:
            # WS-I Basic Profile 1.1 R1126: a Fault travels with HTTP 500.
            body = fault(body, server=kind.fault_origin is not FaultOrigin.CLIENT)
            status, content_type = 500, SOAP_CONTENT_TYPE
        else:
            status, content_type = kind.status, MEDIA_TYPE
        all_headers = [("content-type", content_type)]
        if headers:
            all_headers.extend(headers)
        return Respond(status=status, headers=all_headers, body=body, exchange=exchange)
