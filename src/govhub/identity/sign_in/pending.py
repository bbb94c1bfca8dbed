"""A sign-in waiting for its second factor: after the first factor the browser's
session holds who is signing in, the methods used so far and where to go next — nothing
that logs anyone in. It lasts five minutes, and five wrong codes drop it.

Wrong codes also count per account across sessions (a rate limit in the Django cache:
Redis in production, so every process sees the same counter): after
``ACCOUNT_FAILURE_LIMIT`` within ``ACCOUNT_WINDOW_SECONDS`` the account's second step is
refused until the window ends. With the allowed clock drift three TOTP codes are valid at a
time, so this bounds guessing to about 10 · 3/10⁶ per quarter hour (NIST SP 800-63B §5.2.2
asks for a limit on failed attempts).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from govhub.identity.models import Account

SESSION_KEY = "govhub_pending_sign_in"
PENDING_SECONDS = 5 * 60
MAX_FAILURES = 5
ACCOUNT_FAILURE_LIMIT = 10
ACCOUNT_WINDOW_SECONDS = 15 * 60

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingSignIn:
    account: Account
    amr: list[str]
    next_url: str
    failures: int

    @property
    def attempts_left(self) -> int:
        return max(MAX_FAILURES - self.failures, 0)


def begin(request: HttpRequest, account: Account, *, amr: list[str], next_url: str) -> None:
    request.session[SESSION_KEY] = {
        "account_id": str(account.pk), "amr": list(amr), "next": next_url, "failures": 0,
        "expires_at": time.time() + PENDING_SECONDS,
    }


def current(request: HttpRequest) -> PendingSignIn | None:
    """The pending sign-in of this browser, if it has not expired."""
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict):
        return None
    if float(state.get("expires_at", 0)) < time.time():
        drop(request)
        return None
    account = Account.objects.filter(pk=str(state.get("account_id")), is_active=True).first()
    if account is None:
        drop(request)
        return None
    return PendingSignIn(account=account, amr=list(state.get("amr") or []),
                         next_url=str(state.get("next") or ""),
                         failures=int(state.get("failures", 0)))


def next_url(request: HttpRequest) -> str:
    """Where the interrupted sign-in was going (even once it has been dropped)."""
    state = request.session.get(SESSION_KEY)
    return str(state.get("next") or "") if isinstance(state, dict) else ""


def drop(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def _failure_key(account: Account) -> str:
    return f"govhub:second-factor-failures:{account.pk}"


def is_account_locked(account: Account) -> bool:
    return int(cache.get(_failure_key(account), 0)) >= ACCOUNT_FAILURE_LIMIT


def record_failure(request: HttpRequest, pending: PendingSignIn) -> bool:
    """Counts a wrong code. True when the pending sign-in was dropped (five wrong codes):
    the person must start again with the first factor."""
    key = _failure_key(pending.account)
    cache.add(key, 0, timeout=ACCOUNT_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=ACCOUNT_WINDOW_SECONDS)
    failures = pending.failures + 1
    logger.warning("Wrong second factor for account %s (%d in this sign-in)",
                   pending.account.pk, failures)
    if failures >= MAX_FAILURES:
        drop(request)
        return True
    state = dict(request.session[SESSION_KEY])
    state["failures"] = failures
    request.session[SESSION_KEY] = state
    return False


def clear_failures(account: Account) -> None:
    cache.delete(_failure_key(account))
