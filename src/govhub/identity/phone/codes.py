"""One-time sign-in codes sent by SMS, kept in the Django cache (Redis in production, so
every web process sees the same codes and counters).

- A code is 6 digits from :mod:`secrets`, stored only as an HMAC keyed from SECRET_KEY (a
  copy of the cache does not give the million candidates away), for
  ``CODE_TTL_SECONDS`` (5 minutes); a new code replaces the previous one.
- It is single use, and void after ``MAX_WRONG_CODES`` (5) wrong guesses.
- Sending is rate limited per phone (one every ``RESEND_GAP_SECONDS``, at most
  ``CODES_PER_PHONE_PER_HOUR`` in each clock hour) and per client address
  (``CODES_PER_IP_PER_HOUR``): SMS cost money, and "SMS pumping" fraud sends codes to
  premium numbers by the thousand. Fixed hourly windows let a burst straddle two hours;
  the per-phone gap still spaces those codes a minute apart.
- Cache keys carry a digest of the phone number, never the number (Law 91/2025/QH15: no
  personal data in intermediaries).

Counters use only atomic cache operations (``add``, ``incr``, ``delete``), so parallel
requests cannot slip extra codes or extra guesses past the limits.
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from govhub.identity.phone import sms

CODE_DIGITS = 6


def _config() -> dict[str, Any]:
    return dict(settings.GOVHUB_PHONE_SIGN_IN)


def code_ttl_minutes() -> int:
    """How long a code lasts, in whole minutes, as the message and the page say it."""
    return math.ceil(int(_config()["CODE_TTL_SECONDS"]) / 60)


def _digest(*parts: str) -> str:
    # The salt keeps this module's first dotted name: a new salt would turn every code
    # already sent (and every rate-limit counter) into one that no longer matches.
    return salted_hmac("govhub.identity.phone_codes", ":".join(parts),
                       algorithm="sha256").hexdigest()


def _key(kind: str, subject: str) -> str:
    return f"{_config()['KEY_PREFIX']}:{kind}:{_digest(kind, subject)[:32]}"


class RateLimitError(Exception):
    """Too many codes asked for; the next may be sent in ``retry_after_seconds``."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class CodeNotSentError(Exception):
    """The SMS provider did not take the message (see :class:`sms.SmsError`)."""


def _hit(key: str, window_seconds: int) -> int:
    """Count one event in a fixed window; the count so far."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


def _check_limits(phone: str, client_ip: str | None, now: float) -> None:
    config = _config()
    hour = int(now // 3600)
    retry_next_hour = math.ceil((hour + 1) * 3600 - now)
    if client_ip and _hit(_key(f"ip-hour-{hour}", client_ip), 3600) > \
            config["CODES_PER_IP_PER_HOUR"]:
        raise RateLimitError(retry_next_hour)
    gap = int(config["RESEND_GAP_SECONDS"])
    if gap > 0:
        gap_key = _key("gap", phone)
        if not cache.add(gap_key, now, timeout=gap):
            sent_at = cache.get(gap_key, now)
            raise RateLimitError(max(1, math.ceil(float(sent_at) + gap - now)))
    if _hit(_key(f"phone-hour-{hour}", phone), 3600) > config["CODES_PER_PHONE_PER_HOUR"]:
        raise RateLimitError(retry_next_hour)


def clock() -> float:
    """Seconds since the epoch; one place for tests to pin the hourly windows."""
    return time.time()


def send_code(*, phone: str, client_ip: str | None) -> None:
    """Make a new code for ``phone`` (national form) and send it by SMS. Raises
    :class:`RateLimitError` or :class:`CodeNotSentError`. Behaves the same whether or not an
    account has this number, so the answer reveals nothing about who is registered."""
    config = _config()
    now = clock()
    _check_limits(phone, client_ip, now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    nonce = secrets.token_hex(8)
    ttl = int(config["CODE_TTL_SECONDS"])
    cache.set(_key("code", phone), {"nonce": nonce, "digest": _digest(phone, nonce, code)},
              timeout=ttl)
    try:
        sms.sms_sender().send(phone, sms.sign_in_code_text(code, code_ttl_minutes()))
    except sms.SmsError as error:
        # Nothing reached the person: drop the code, and let them try again at once
        # rather than wait out the gap for a message that never came.
        cache.delete(_key("code", phone))
        cache.delete(_key("gap", phone))
        raise CodeNotSentError(str(error)) from error


class Outcome(Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"  # try again: ``attempts_left`` more
    VOID = "void"  # too many wrong codes: this code is cancelled
    NO_CODE = "no_code"  # expired, already used, or never sent


@dataclass(frozen=True)
class Verification:
    outcome: Outcome
    attempts_left: int = 0
    verified_phone: VerifiedPhone | None = None


@dataclass(frozen=True)
class VerifiedPhone:
    """Proof that the person holds ``phone``: made only by :func:`verify_code`, and what
    lets the sign-in create an account for a new number."""

    phone: str
    verified_at: float

    def is_fresh(self) -> bool:
        return time.time() - self.verified_at <= int(_config()["VERIFIED_PHONE_TTL_SECONDS"])


def verify_code(*, phone: str, code: str) -> Verification:
    config = _config()
    key = _key("code", phone)
    stored = cache.get(key)
    if not isinstance(stored, dict):
        return Verification(Outcome.NO_CODE)
    limit = int(config["MAX_WRONG_CODES"])
    attempts_key = _key("attempts", f"{phone}:{stored['nonce']}")
    expected = _digest(phone, stored["nonce"], code)
    if hmac.compare_digest(expected, stored["digest"]):
        # Only the request that removes the code wins: a code is used once, even by two
        # requests racing with it.
        if cache.delete(key):
            cache.delete(attempts_key)
            return Verification(Outcome.ACCEPTED,
                                verified_phone=VerifiedPhone(phone, time.time()))
        return Verification(Outcome.NO_CODE)
    wrong = _hit(attempts_key, int(config["CODE_TTL_SECONDS"]))
    if wrong >= limit:
        cache.delete(key)
        return Verification(Outcome.VOID)
    return Verification(Outcome.WRONG, attempts_left=limit - wrong)
