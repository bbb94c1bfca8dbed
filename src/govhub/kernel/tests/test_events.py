from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from govhub.kernel import events


@pytest.fixture
def received() -> Any:
    seen: list[events.DomainEvent] = []
    events.subscribe("test.thing_happened", seen.append)
    yield seen
    events.unsubscribe("test.thing_happened", seen.append)


@pytest.mark.django_db(transaction=True)
def test_event_is_delivered_after_commit(received: list[events.DomainEvent]) -> None:
    with transaction.atomic():
        events.publish_on_commit("test.thing_happened", value=1)
        assert received == []  # not yet: the transaction may still roll back
    assert [e.payload for e in received] == [{"value": 1}]


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_change_is_never_delivered(
    received: list[events.DomainEvent],
) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            events.publish_on_commit("test.thing_happened", value=2)
            raise RuntimeError("rollback")

    with pytest.raises(RuntimeError, match="rollback"):
        change_that_fails()
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_stop_the_others(received: list[Any]) -> None:
    def failing(event: events.DomainEvent) -> None:
        raise ValueError("subscriber bug")

    events.subscribe("test.thing_happened", failing)
    try:
        with transaction.atomic():
            events.publish_on_commit("test.thing_happened", value=3)
    finally:
        events.unsubscribe("test.thing_happened", failing)
    assert [e.payload for e in received] == [{"value": 3}]
