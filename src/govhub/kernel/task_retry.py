"""The one way a background task (django-tasks) tries its work again: exponential back-off
with jitter, up to a limit (conventions: "one task framework with one retry helper").

A task that failed re-enqueues itself with ``attempt + 1`` and a ``run_after`` from its
:class:`RetryPolicy`. The attempt number travels in the task's arguments, so the database
backend keeps it with the queued task and a restarted worker resumes where the last one
stopped. What makes work survive a crash is the write that asked for it: the task row is
enqueued inside the write's transaction (ADR 0003), and what was done is recorded on the
domain row (e.g. ``ClientSession.logout_delivered_at``), which a retried task checks first,
so running twice does no harm. A task whose worker died while running it is claimed again
by :func:`reclaim_abandoned_tasks` (the ``reclaim_tasks`` command) once its lease is over.

Jitter (a random share of each pause taken off) keeps many deliveries that failed together,
say when one app was down, from all coming back in the same second (the "thundering herd";
AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus

# Longer than any task may run: outbound calls are bounded (kernel.outbound_http) and tasks
# do one delivery or one refresh each. A task still RUNNING after this lost its worker.
LEASE_SECONDS = 900


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` further attempts after the first; the pause before retry ``n`` (1-based)
    is ``first_delay_seconds * multiplier ** (n-1)``, at most ``max_delay_seconds``, less a
    random share of up to ``jitter_ratio``."""

    retries: int
    first_delay_seconds: float
    multiplier: float = 2.0
    max_delay_seconds: float = 3600.0
    jitter_ratio: float = 0.2

    def __post_init__(self) -> None:
        if self.retries < 0 or self.first_delay_seconds <= 0 or self.multiplier < 1:
            raise ValueError("a retry policy needs retries ≥ 0, a positive first delay "
                             "and a multiplier ≥ 1")
        if not 0 <= self.jitter_ratio < 1:
            raise ValueError("jitter_ratio is a share of the pause: 0 ≤ ratio < 1")

    def ceiling_seconds(self, attempt: int) -> float:
        """The pause after attempt ``attempt`` (0: the first run) before jitter."""
        return min(self.max_delay_seconds, self.first_delay_seconds * self.multiplier ** attempt)

    def delay_seconds(self, attempt: int) -> float | None:
        """How long to wait after attempt ``attempt`` (0: the first run) failed, or None
        when the retries are spent."""
        if attempt >= self.retries:
            return None
        ceiling = self.ceiling_seconds(attempt)
        # Not a secret: spreading retries out needs no cryptographic randomness.
        return ceiling * (1 - self.jitter_ratio * random.random())  # noqa: S311


def retry_later(task: Task[Any, Any], *args: Any, attempt: int, policy: RetryPolicy,
                **kwargs: Any) -> datetime | None:
    """Enqueue ``task(*args, attempt=attempt + 1, **kwargs)`` after the policy's pause; the
    time it will run, or None when the retries are spent or the backend cannot defer (the
    test suite's immediate backend), in which case nothing is enqueued."""
    delay = policy.delay_seconds(attempt)
    if delay is None or not task.get_backend().supports_defer:
        return None
    run_after = timezone.now() + timedelta(seconds=delay)
    task.using(run_after=run_after).enqueue(*args, attempt=attempt + 1, **kwargs)
    return run_after


def reclaim_abandoned_tasks(*, lease_seconds: float = LEASE_SECONDS) -> int:
    """Put back in the queue every task of the database backend that a worker claimed more
    than ``lease_seconds`` ago and never finished (the worker was killed, the machine
    restarted): django-tasks-db leaves such a task RUNNING for ever. The next worker claims
    it again; tasks are written to be run twice without harm. How many were put back."""
    from django_tasks_db.models import DBTaskResult  # only with the database backend

    cutoff = timezone.now() - timedelta(seconds=lease_seconds)
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff,
    ).update(status=TaskResultStatus.READY, started_at=None)
