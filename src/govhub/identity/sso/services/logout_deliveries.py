"""Back-channel logout deliveries (OpenID Connect Back-Channel Logout 1.0 §2.5): the task that
POSTs one app its logout token and retries, and the record of each attempt. The task lives
beside the write it makes, among the services that enqueue it (sign_in.end_sign_in,
consents.revoke_consent), so that neither depends on the other in a circle; it runs on
Django's task framework (django-tasks, ADR 0003)."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from govhub.identity.models import ClientSession
from govhub.identity.sso import backchannel
from govhub.kernel.task_retry import RetryPolicy, retry_later

logger = logging.getLogger(__name__)

# An app that is down is retried with growing pauses (10 s, 40 s, 160 s, 640 s, 30 min, less
# jitter) for about 45 minutes (§2.8 lets the provider give up; by then the app's own session
# has usually expired).
LOGOUT_RETRY = RetryPolicy(retries=5, first_delay_seconds=10, multiplier=4,
                           max_delay_seconds=1800)


@task()
def deliver_logout_token(client_session_id: str, attempt: int = 0) -> None:
    link = ClientSession.objects.select_related("client", "sign_in_session").filter(
        pk=client_session_id).first()
    if link is None or link.logout_delivered_at is not None:
        return
    problem = backchannel.deliver(link)
    record_logout_delivery(client_session=link, problem=problem)
    if problem is None:
        return
    logger.warning("back-channel logout to %s failed (attempt %d): %s",
                   link.client.backchannel_logout_uri, attempt + 1, problem)
    retry_later(deliver_logout_token, client_session_id, attempt=attempt, policy=LOGOUT_RETRY)


def record_logout_delivery(*, client_session: ClientSession, problem: str | None) -> None:
    """The outcome of one back-channel logout attempt, kept for the administrators on every
    link of that app in that session (one delivery stands for them all)."""
    now = timezone.now()
    changes: dict[str, Any] = {"logout_attempts": F("logout_attempts") + 1,
                               "logout_last_error": problem or "", "updated_at": now}
    if problem is None:
        changes["logout_delivered_at"] = now
    ClientSession.objects.filter(sign_in_session_id=client_session.sign_in_session_id,
                                 client_id=client_session.client_id).update(**changes)
    client_session.refresh_from_db(fields=["logout_attempts", "logout_last_error",
                                           "logout_delivered_at", "updated_at"])
