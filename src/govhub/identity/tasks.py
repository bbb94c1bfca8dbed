"""Background work of the identity context (Django's task framework, django-tasks)."""

from __future__ import annotations

import logging

from django_tasks import task

from govhub.identity import backchannel
from govhub.identity.models import ClientSession
from govhub.identity.services import sign_in
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
    sign_in.record_logout_delivery(client_session=link, problem=problem)
    if problem is None:
        return
    logger.warning("back-channel logout to %s failed (attempt %d): %s",
                   link.client.backchannel_logout_uri, attempt + 1, problem)
    retry_later(deliver_logout_token, client_session_id, attempt=attempt, policy=LOGOUT_RETRY)
