"""Vietnamese mobile numbers: what a person types (``0912 345 678``, ``+84 912 345 678``,
``84912345678``) becomes one national form, ``0912345678``, the form accounts store.

Mobile numbers have ten digits since the 2018 renumbering (Ministry of Information and
Communications, Circular 22/2014/TT-BTTTT as amended): 0 and a network prefix 3, 5, 7, 8 or 9.
"""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^0[35789]\d{8}$")
_SEPARATORS = re.compile(r"[\s.\-()]")
COUNTRY_CODE = "84"


def normalise_mobile(raw: str) -> str | None:
    """The national form ``0xxxxxxxxx`` of a Vietnamese mobile number, or None."""
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith(COUNTRY_CODE):
            return None
    if digits.startswith("00" + COUNTRY_CODE):
        digits = digits[2:]
    if digits.startswith(COUNTRY_CODE) and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _MOBILE.match(digits) else None


def international(national: str) -> str:
    """``84xxxxxxxxx`` (E.164 without the plus), the form SMS gateways take."""
    return COUNTRY_CODE + national[1:]


def stored_forms(national: str) -> list[str]:
    """Every form an account's ``phone`` may hold for this number (models.PHONE allows both)."""
    return [national, "+" + international(national)]


def display(national: str) -> str:
    """``0912 345 678``, as people write it."""
    return f"{national[:4]} {national[4:7]} {national[7:]}"
