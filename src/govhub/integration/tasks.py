"""Background work of the integration hub (django-tasks): telling gateways a new snapshot
exists (best effort — a gateway that misses the push still polls with If-None-Match), and
signing checkpoints of the evidence log (ADR 0016)."""

from __future__ import annotations

import logging

from django_tasks import task

from govhub.integration.models import Gateway
from govhub.kernel import outbound_http
from govhub.kernel.actors import SystemActor

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 2.0


def push_to(admin_url: str) -> bool:
    url = admin_url.rstrip("/") + "/snapshot/refresh"
    if not url.startswith(("http://", "https://")):  # never file: or other schemes
        return False
    try:
        with outbound_http.session(read_timeout_seconds=PUSH_TIMEOUT_SECONDS) as http:
            response = http.post(url, data=b"", allow_redirects=False)
    except outbound_http.OutboundHttpError as exc:
        logger.info("snapshot push to %s failed: %s", admin_url, exc)
        return False
    return 200 <= response.status_code < 300


@task()
def push_snapshot_refresh(version: int) -> None:
    for gateway in Gateway.objects.exclude(admin_url=""):
        push_to(gateway.admin_url)


@task()
def write_evidence_checkpoints(gateway: str | None = None) -> None:
    """Enqueued by a gateway's heartbeat when its log grew past the last checkpoint and that
    one is older than ``CHECKPOINT_INTERVAL_SECONDS``: heartbeats are the clock, so no
    scheduler is needed, and a gateway that sends nothing has no new evidence to cover."""
    # Imported here: the services enqueue this task, so they import this module first.
    from govhub.integration.services.checkpoints import write_evidence_checkpoints as write

    write(actor=SystemActor("evidence checkpoints"), gateway=gateway)
