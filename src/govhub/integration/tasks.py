"""Background work of the integration hub (django-tasks): telling gateways a new snapshot
exists. Best effort — a gateway that misses the push still polls with If-None-Match."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from django_tasks import task

from govhub.integration.models import Gateway

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 2.0


def push_to(admin_url: str) -> bool:
    url = admin_url.rstrip("/") + "/snapshot/refresh"
    if not url.startswith(("http://", "https://")):  # never file: or other schemes
        return False
    request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(  # noqa: S310 - http(s) only, checked above
                request, timeout=PUSH_TIMEOUT_SECONDS) as response:
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.info("snapshot push to %s failed: %s", admin_url, exc)
        return False


@task()
def push_snapshot_refresh(version: int) -> None:
    for gateway in Gateway.objects.exclude(admin_url=""):
        push_to(gateway.admin_url)
