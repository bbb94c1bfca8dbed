"""The retry helper: pauses that grow, spread by jitter, stop at the limit; a retry queued in
the database backend with the next attempt number and its run_after."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import task

from govhub.kernel.task_retry import LEASE_SECONDS, RetryPolicy, retry_later

POLICY = RetryPolicy(retries=4, first_delay_seconds=10, multiplier=3, max_delay_seconds=200,
                     jitter_ratio=0.25)


@task()
def flaky_work(key: str, attempt: int = 0) -> None:
    """Stands for any task that failed: it asks to be tried again."""
    retry_later(flaky_work, key, attempt=attempt, policy=POLICY)


def test_pauses_grow_up_to_the_ceiling_and_stop_after_the_retries() -> None:
    assert [POLICY.ceiling_seconds(n) for n in range(4)] == [10, 30, 90, 200]
    for attempt in range(4):
        delay = POLICY.delay_seconds(attempt)
        assert delay is not None
        assert POLICY.ceiling_seconds(attempt) * 0.75 <= delay <= POLICY.ceiling_seconds(attempt)
    assert POLICY.delay_seconds(4) is None


def test_jitter_spreads_retries_that_failed_together() -> None:
    delays = {POLICY.delay_seconds(0) for _ in range(50)}
    assert len(delays) > 40
    assert min(delays) >= 7.5  # type: ignore[operator]


def test_a_policy_without_jitter_is_exact() -> None:
    exact = RetryPolicy(retries=2, first_delay_seconds=5, jitter_ratio=0)
    assert [exact.delay_seconds(0), exact.delay_seconds(1), exact.delay_seconds(2)] == [5, 10, None]


@pytest.mark.parametrize("bad", [{"retries": -1}, {"first_delay_seconds": 0},
                                 {"multiplier": 0.5}, {"jitter_ratio": 1.0}])
def test_a_nonsense_policy_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"retr|ratio"):
        RetryPolicy(**{"retries": 1, "first_delay_seconds": 1, **bad})


@pytest.mark.django_db
def test_a_retry_is_queued_with_the_next_attempt_and_its_pause(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    before = timezone.now()
    flaky_work.call("delivery-1", attempt=1)
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("flaky_work")
    assert queued.args_kwargs == {"args": ["delivery-1"], "kwargs": {"attempt": 2}}
    assert before + timedelta(seconds=30 * 0.75) <= queued.run_after
    assert queued.run_after <= timezone.now() + timedelta(seconds=30)


@pytest.mark.django_db
def test_spent_retries_queue_nothing(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    flaky_work.call("delivery-1", attempt=4)
    assert not DBTaskResult.objects.exists()


def test_a_backend_that_cannot_defer_queues_nothing() -> None:
    # The test suite's immediate backend runs tasks at once and cannot wait: no retry loop.
    assert retry_later(flaky_work, "delivery-1", attempt=0, policy=POLICY) is None


@task()
def remember(key: str, attempt: int = 0) -> str:
    return key


@pytest.mark.django_db
def test_a_task_whose_worker_died_is_claimed_again(settings: Any) -> None:
    import io

    from django.core.management import call_command
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    abandoned = DBTaskResult.objects.get(id=remember.enqueue("abandoned").id)
    running = DBTaskResult.objects.get(id=remember.enqueue("still running").id)
    abandoned.claim("worker-that-died")
    running.claim("worker-alive")
    DBTaskResult.objects.filter(id=abandoned.id).update(
        started_at=timezone.now() - timedelta(seconds=LEASE_SECONDS + 1))

    out = io.StringIO()
    call_command("reclaim_tasks", stdout=out)
    assert out.getvalue().startswith("1 ")
    abandoned.refresh_from_db()
    running.refresh_from_db()
    assert abandoned.status == TaskResultStatus.READY
    assert running.status == TaskResultStatus.RUNNING  # inside its lease: left alone

    # What the next worker polls for (django_tasks_db's db_worker): it is there again.
    assert list(DBTaskResult.objects.ready().values_list("id", flat=True)) == [abandoned.id]
    abandoned.claim("next-worker")
    assert abandoned.worker_ids == ["worker-that-died", "next-worker"]
