"""Waiting for something that happens in another thread or process: poll with a deadline,
never a fixed sleep. A fixed sleep is either too short on a loaded machine (a flaky test) or
too long everywhere else (a slow suite); a poll returns as soon as the condition holds and
fails with what it last saw when the deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_INTERVAL_SECONDS = 0.05


def eventually(predicate: Callable[[], T], *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
               interval_seconds: float = DEFAULT_INTERVAL_SECONDS, what: str = "",
               ignoring: tuple[type[BaseException], ...] = (),
               wait: Callable[[float], object] = time.sleep) -> T:
    """Call ``predicate`` until it returns a true value, and return that value.

    ``ignoring``: exception types that mean "not yet" (a server still starting refuses the
    connection); any other exception fails at once. ``wait``: how to pass the time between
    calls (a browser page's own ``wait_for_timeout`` keeps Playwright's loop turning).
    Past ``timeout_seconds`` an ``AssertionError`` names ``what`` and the last value or
    exception seen."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            value = predicate()
        except ignoring as error:
            last: object = error
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout_seconds} s: {what or repr(predicate)} "
                                 f"(last: {last!r})")
        wait(interval_seconds)
