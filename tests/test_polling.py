"""``tests.support.polling.eventually``: returns as soon as the condition holds, fails with
what it last saw once the deadline has passed, and lets only the named exceptions mean
"not yet"."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.polling import eventually


def test_returns_the_first_true_value_as_soon_as_another_thread_makes_it_true() -> None:
    box: list[str] = []
    timer = threading.Timer(0.2, box.append, args=["ready"])
    timer.start()
    started = time.monotonic()
    try:
        assert eventually(lambda: box and box[0], timeout_seconds=5) == "ready"
    finally:
        timer.cancel()
    assert time.monotonic() - started < 2  # returned on the condition, not on the deadline


def test_fails_after_the_deadline_naming_what_and_the_last_value() -> None:
    calls = []

    def never() -> int:
        calls.append(1)
        return 0

    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"not within 0.3 s: the door opens \(last: 0\)"):
        eventually(never, timeout_seconds=0.3, interval_seconds=0.05, what="the door opens")
    assert time.monotonic() - started >= 0.3
    assert len(calls) > 2  # it polled, not waited once


def test_named_exceptions_mean_not_yet_and_others_fail_at_once() -> None:
    attempts = iter([ConnectionRefusedError("starting"), ConnectionRefusedError("starting")])

    def connect() -> str:
        error = next(attempts, None)
        if error:
            raise error
        return "connected"

    assert eventually(connect, ignoring=(ConnectionRefusedError,), timeout_seconds=5) == \
        "connected"

    def broken() -> bool:
        raise ValueError("a bug, not a delay")

    started = time.monotonic()
    with pytest.raises(ValueError, match="a bug"):
        eventually(broken, ignoring=(ConnectionRefusedError,), timeout_seconds=5)
    assert time.monotonic() - started < 1


def test_the_last_ignored_exception_is_reported_at_the_deadline() -> None:
    def refused() -> bool:
        raise ConnectionRefusedError("nobody listens")

    with pytest.raises(AssertionError, match="nobody listens"):
        eventually(refused, ignoring=(OSError,), timeout_seconds=0.2)


def test_the_wait_between_calls_is_the_callers_choice() -> None:
    waits: list[float] = []
    results = iter([False, False, True])
    assert eventually(lambda: next(results), interval_seconds=0.5, wait=waits.append)
    assert waits == [0.5, 0.5]
