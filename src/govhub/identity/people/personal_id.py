"""Protection of the 12-digit personal identification number (số định danh cá nhân).

Law 91/2025/QH15 on personal data protection: keep only what is needed and protect it.
We keep three things, each under its own key derived from GOVHUB_PII_KEY
(``govhub.kernel.key_derivation``):
- a keyed digest (HMAC-SHA256), unique, to find the account that owns a number
  (e.g. when VNeID returns ``SoDinhDanh``) without storing the number in clear;
- the number encrypted (Fernet: AES-128-CBC + HMAC), readable only by code that must
  pass it on to a ministry service;
- its last 4 digits, to show people which number is on file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from govhub.kernel.key_derivation import KeyPurpose, fernet, keyed_digest

PERSONAL_ID = re.compile(r"^\d{12}$")
LAST_DIGITS = 4


@dataclass(frozen=True)
class ProtectedPersonalId:
    digest: str
    ciphertext: str
    last_digits: str


def normalise(raw: str) -> str:
    number = re.sub(r"\s+", "", raw or "")
    if not PERSONAL_ID.match(number):
        raise ValidationError(
            {"personal_id": _("A personal identification number has exactly 12 digits.")},
            code="invalid_personal_id",
        )
    return number


def digest(number: str) -> str:
    return keyed_digest(KeyPurpose.PERSONAL_ID_DIGEST, normalise(number))


def protect(raw: str) -> ProtectedPersonalId:
    number = normalise(raw)
    return ProtectedPersonalId(
        digest=digest(number),
        ciphertext=fernet(KeyPurpose.PERSONAL_ID_ENCRYPTION).encrypt(number.encode()).decode(),
        last_digits=number[-LAST_DIGITS:],
    )


def reveal(ciphertext: str) -> str:
    return fernet(KeyPurpose.PERSONAL_ID_ENCRYPTION).decrypt(ciphertext.encode()).decode()
