from __future__ import annotations

import uuid
from dataclasses import FrozenInstanceError, dataclass
from typing import Any

import pytest
from django.db import transaction

from govhub.kernel import events


@dataclass(frozen=True)
class ThingHappened(events.DomainEvent):
    value: int


@dataclass(frozen=True)
class SpecialThingHappened(ThingHappened):
    thing_id: uuid.UUID


@dataclass(frozen=True)
class OtherThingHappened(events.DomainEvent):
    value: int


@pytest.fixture
def received() -> Any:
    seen: list[ThingHappened] = []
    events.subscribe(ThingHappened, seen.append)
    yield seen
    events.unsubscribe(ThingHappened, seen.append)


@pytest.mark.django_db(transaction=True)
def test_event_is_delivered_after_commit(received: list[ThingHappened]) -> None:
    with transaction.atomic():
        events.publish_on_commit(ThingHappened(value=1))
        assert received == []  # not yet: the transaction may still roll back
    assert [e.value for e in received] == [1]


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_change_is_never_delivered(
    received: list[ThingHappened],
) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            events.publish_on_commit(ThingHappened(value=2))
            raise RuntimeError("rollback")

    with pytest.raises(RuntimeError, match="rollback"):
        change_that_fails()
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_stop_the_others(received: list[Any]) -> None:
    def failing(event: ThingHappened) -> None:
        raise ValueError("subscriber bug")

    events.subscribe(ThingHappened, failing)
    try:
        with transaction.atomic():
            events.publish_on_commit(ThingHappened(value=3))
    finally:
        events.unsubscribe(ThingHappened, failing)
    assert [e.value for e in received] == [3]


@pytest.mark.django_db(transaction=True)
def test_subscribers_hear_their_class_and_its_subclasses_only(
    received: list[ThingHappened],
) -> None:
    thing_id = uuid.uuid4()
    with transaction.atomic():
        events.publish_on_commit(OtherThingHappened(value=4))
        events.publish_on_commit(SpecialThingHappened(value=5, thing_id=thing_id))
    assert received == [SpecialThingHappened(value=5, thing_id=thing_id,
                                             occurred_at=received[0].occurred_at)]


@pytest.mark.django_db(transaction=True)
def test_subscribing_twice_delivers_once(received: list[ThingHappened]) -> None:
    events.subscribe(ThingHappened, received.append)
    with transaction.atomic():
        events.publish_on_commit(ThingHappened(value=6))
    assert [e.value for e in received] == [6]


def test_events_are_immutable_and_only_domain_events_are_published() -> None:
    event = ThingHappened(value=7)
    with pytest.raises(FrozenInstanceError):
        event.value = 8  # type: ignore[misc]
    with pytest.raises(TypeError):
        events.publish_on_commit({"name": "thing_happened", "value": 7})  # type: ignore[type-var]
