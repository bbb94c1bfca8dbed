"""Background work of the citizen app (django-tasks): refreshing the home screen's cards
through the integration hub, so that no page view ever waits on the hub."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django_tasks import task

from govhub.portal import cards

# One refresh of a card at a time, and at most one attempt per card in this many seconds:
# a failing provider is not called again by every page view (exchange contract §5). The
# lock is left to expire, never deleted, for that reason.
REFRESH_LOCK_SECONDS = 60


def lock_key(kind: str) -> str:
    return f"portal:hub-card-refresh:{kind}"


@task()
def refresh_hub_card(kind: str) -> bool:
    return cards.refresh_card(kind)


def refresh_in_background(kinds: Iterable[str]) -> list[str]:
    """Enqueue a refresh of each card not already being refreshed; the kinds enqueued.
    ``cache.add`` is atomic (Redis SET NX in production), so concurrent web processes
    enqueue a card once."""
    enqueued = []
    for kind in kinds:
        if cache.add(lock_key(kind), "1", timeout=REFRESH_LOCK_SECONDS):
            refresh_hub_card.enqueue(kind)
            enqueued.append(kind)
    return enqueued
