"""What the gateways call (docs/exchange-contract.md, control and data plane): fetch the config
snapshot, report heartbeats, ship evidence. Authenticated by the gateway's bearer token
(RFC 6750), never the session: no cookie, hence no CSRF."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import HttpBearer

from govhub.integration import queries, services
from govhub.integration.models import Gateway
from govhub.integration.schemas import EvidenceAck
from govhub.integration.snapshots import latest_snapshot
from govhub.kernel import problems
from govhub.kernel.errors import DomainError, problem_response
from govhub_contracts.snapshot import SNAPSHOT_MEDIA_TYPE, EvidenceBatch, Heartbeat


class GatewayToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Gateway | None:
        gateway = queries.gateway_for_token(token)
        if gateway is not None:
            request.gateway = gateway  # type: ignore[attr-defined]
        return gateway


# The tokens are 32 random bytes, so the per-address limits meant for people would only
# throttle a busy gateway's heartbeats and evidence: none here.
router = Router(tags=["integration gateway"], auth=GatewayToken(), throttle=[])


def _gateway(request: HttpRequest) -> Gateway:
    return request.auth  # type: ignore[attr-defined]


def _require_own(request: HttpRequest, code: str) -> None:
    if code != _gateway(request).code:
        raise DomainError(problems.PERMISSION_DENIED,
                          _("The body names another gateway than the token's."))


def _etags(header: str) -> set[str]:
    """RFC 9110 §13.1.2: a list of entity tags, weak ones compared weakly; ``*`` matches."""
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}


@router.get("/snapshot", summary="The latest config snapshot (ETag: its revision)",
            openapi_extra={"x-problems": [404]})  # none published yet
def get_snapshot(request: HttpRequest) -> HttpResponse:
    stored = latest_snapshot()
    if stored is None:
        return problem_response(request, problems.NOT_FOUND,
                                detail=_("No config snapshot has been published yet."))
    etag = f'"{stored.revision}"'
    wanted = _etags(request.headers.get("If-None-Match", ""))
    if stored.revision in wanted or "*" in wanted:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(json.dumps(stored.document, cls=DjangoJSONEncoder,
                                           ensure_ascii=False).encode(),
                                content_type=SNAPSHOT_MEDIA_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


@router.post("/heartbeat", response={204: None}, summary="A gateway's periodic report")
def heartbeat(request: HttpRequest, payload: Heartbeat) -> tuple[int, None]:
    _require_own(request, payload.gateway)
    services.record_heartbeat(gateway=_gateway(request), heartbeat=payload)
    return 204, None


@router.post("/evidence", response=EvidenceAck, summary="Ship evidence records (idempotent)")
def evidence(request: HttpRequest, payload: EvidenceBatch) -> dict[str, Any]:
    accepted, last = services.store_evidence(gateway=_gateway(request), batch=payload)
    return {"accepted": accepted, "last_sequence": last}
