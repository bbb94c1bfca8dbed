"""Background work of the integration hub (django-tasks): telling gateways a new snapshot
exists. Best effort — a gateway that misses the push still polls with If-None-Match."""

from __future__ import annotations

import logging

from django_tasks import task

from govhub.integration.models import Gateway
from govhub.kernel import outbound_http

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
