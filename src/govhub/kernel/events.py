"""Domain events, delivered to in-process subscribers only after the transaction commits.

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
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    name: str
    payload: dict[str, Any]
    occurred_at: datetime = field(default_factory=timezone.now)


Subscriber = Callable[[DomainEvent], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(name: str, subscriber: Subscriber) -> None:
    if subscriber not in _subscribers[name]:
        _subscribers[name].append(subscriber)


def unsubscribe(name: str, subscriber: Subscriber) -> None:
    if subscriber in _subscribers[name]:
        _subscribers[name].remove(subscriber)


def publish_on_commit(name: str, **payload: Any) -> DomainEvent:
    event = DomainEvent(name=name, payload=payload)
    for subscriber in list(_subscribers[name]):
        transaction.on_commit(_deliver(subscriber, event), robust=True)
    return event


def _deliver(subscriber: Subscriber, event: DomainEvent) -> Callable[[], None]:
    def deliver() -> None:
        subscriber(event)

    return deliver
