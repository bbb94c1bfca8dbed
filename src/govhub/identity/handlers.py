"""Subscribers to domain events (registered in apps.ready). Each does little: work that
must survive a crash is handed to a background task."""

from __future__ import annotations

from govhub.identity.models import ClientSession
from govhub.kernel.events import DomainEvent


def notify_apps_of_sign_out(event: DomainEvent) -> None:
    """identity.signed_out → one back-channel logout delivery per app of the session."""
    from govhub.identity.tasks import deliver_logout_token

    links = ClientSession.objects.filter(
        sign_in_session__sid=event.payload["sid"], logout_delivered_at__isnull=True
    ).exclude(client__backchannel_logout_uri="")
    for link_id in links.values_list("pk", flat=True):
        deliver_logout_token.enqueue(str(link_id))
