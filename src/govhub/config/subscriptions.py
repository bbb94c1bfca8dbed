"""Reactions across contexts, wired in one place (ARCHITECTURE.md): one context's event →
another context's service or task. Contexts publish their events (``<context>/events.py``)
and never import each other to react; a reaction is added here, as one row of
:data:`REACTIONS`, and nowhere else (``tests/test_architecture.py`` holds every
``kernel.events.subscribe`` call to this module).

A reaction runs after the publisher's transaction committed and must not lose work: it
enqueues a background task or calls one service (its own transaction, audit record and
events), and it acts as :data:`govhub.kernel.actors.SYSTEM` or as the actor the event names.

None is wired yet: no context reacts to another's events today.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govhub.kernel.events import DomainEvent, subscribe

Reaction = tuple[type[DomainEvent], Callable[[Any], None]]

REACTIONS: tuple[Reaction, ...] = ()


def wire(reactions: tuple[Reaction, ...] = REACTIONS) -> None:
    """Subscribe every reaction; called once, from :class:`govhub.config.apps.GovhubConfig`,
    after every context's app is ready. Subscribing twice is harmless."""
    for event_type, reaction in reactions:
        subscribe(event_type, reaction)
