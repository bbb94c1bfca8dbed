"""Domain events, delivered to in-process subscribers only after the transaction commits.

Each context declares its events in its ``events.py`` as frozen dataclasses derived from
:class:`DomainEvent`, one class per event with typed fields, and publishes an instance with
:func:`publish_on_commit`. Subscribers register by event class (a subscriber of a base class
hears its subclasses too); reactions across contexts are subscribed in one place,
``govhub.config.subscriptions``, so no context imports another to react.

A subscriber never sees an event for a change that was rolled back (Django
``transaction.on_commit``). Subscribers that must not lose work enqueue a background task;
a failing subscriber is logged and does not stop the others (``robust=True``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


# kw_only: the time has a default, and each event's own fields come without one.
@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime = field(default_factory=timezone.now)


EventT = TypeVar("EventT", bound=DomainEvent)
Subscriber = Callable[[Any], None]
_subscribers: dict[type, list[Subscriber]] = defaultdict(list)


def subscribe(event_type: type[EventT], subscriber: Callable[[EventT], None]) -> None:
    if subscriber not in _subscribers[event_type]:
        _subscribers[event_type].append(subscriber)


def unsubscribe(event_type: type[EventT], subscriber: Callable[[EventT], None]) -> None:
    if subscriber in _subscribers[event_type]:
        _subscribers[event_type].remove(subscriber)


def subscribers_of(event_type: type[DomainEvent]) -> list[Subscriber]:
    """Who hears an event of this class: the subscribers of the class and of its bases."""
    found: list[Subscriber] = []
    for cls in event_type.__mro__:
        for subscriber in _subscribers.get(cls, ()):
            if subscriber not in found:
                found.append(subscriber)
    return found


def publish_on_commit(event: EventT) -> EventT:
    if not isinstance(event, DomainEvent):
        raise TypeError(f"{event!r} is not a DomainEvent")
    for subscriber in subscribers_of(type(event)):
        transaction.on_commit(_deliver(subscriber, event), robust=True)
    return event


def _deliver(subscriber: Subscriber, event: DomainEvent) -> Callable[[], None]:
    def deliver() -> None:
        subscriber(event)

    return deliver
