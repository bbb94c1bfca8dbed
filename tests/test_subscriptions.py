"""Reactions across contexts are wired once, by the project's app, after every context."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import transaction

from govhub.config import subscriptions
from govhub.kernel import events


@dataclass(frozen=True)
class ParcelRegistered(events.DomainEvent):
    parcel_id: uuid.UUID


def test_the_project_app_is_ready_after_every_context() -> None:
    labels = [config.label for config in apps.get_app_configs()]
    assert labels[-1] == "govhub_config"
    assert {"kernel", "identity", "integration", "portal"} <= set(labels)


@pytest.mark.django_db(transaction=True)
def test_a_wired_reaction_hears_the_event_once_after_commit() -> None:
    heard: list[ParcelRegistered] = []
    reactions: tuple[subscriptions.Reaction, ...] = ((ParcelRegistered, heard.append),)
    subscriptions.wire(reactions)
    subscriptions.wire(reactions)  # a second ready() must not double the reaction
    try:
        parcel_id = uuid.uuid4()
        with transaction.atomic():
            events.publish_on_commit(ParcelRegistered(parcel_id=parcel_id))
            assert heard == []
        assert [event.parcel_id for event in heard] == [parcel_id]
    finally:
        events.unsubscribe(ParcelRegistered, heard.append)
