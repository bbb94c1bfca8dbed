"""The second factor of a sign-in: who must use one, and the pure parts of
each method — TOTP codes (RFC 6238, computed by ``pyotp``), backup codes, and the ``amr``
values (RFC 8176) a sign-in then carries. Writes live in
:mod:`govhub.identity.second_factor.services.factors`; the WebAuthn ceremonies in
:mod:`govhub.identity.second_factor.passkeys`.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from typing import Any

import pyotp
import segno
from cryptography.fernet import Fernet

from govhub.identity.models import Account, AuthenticatorApp, Passkey, Role
from govhub.identity.people.access import access_for
from govhub.kernel.key_derivation import KeyPurpose, fernet, keyed_digest

# RFC 8176 §2. "otp" for an authenticator-app code and for a backup code (both are one-time
# passwords); "hwk"/"swk" for a passkey (proof of possession of a key held by the
# authenticator; "swk" when the passkey is synced and so can leave the device); "mfa"
# because the sign-in used two factors, so a relying party need not know every method.
AMR_OTP = "otp"
AMR_HARDWARE_KEY = "hwk"
AMR_SOFTWARE_KEY = "swk"
AMR_MFA = "mfa"
SECOND_FACTOR_AMR = frozenset({AMR_OTP, AMR_HARDWARE_KEY, AMR_SOFTWARE_KEY})

TOTP_DIGITS = 6
TOTP_INTERVAL_SECONDS = 30
# RFC 6238 §5.2 allows for clock drift: accept the previous and the next time step too.
TOTP_DRIFT_STEPS = 1
TOTP_ISSUER = "govhub"

BACKUP_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper. 10 symbols of 31 ≈ 49 bits each.
BACKUP_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
BACKUP_CODE_LENGTH = 10
_NOT_CODE_CHARACTERS = re.compile(r"[\s\-]+")


def with_second_factor(amr: list[str], method: str) -> list[str]:
    """The first factor's methods, the second one, and "mfa" (RFC 8176 §2)."""
    return [*[m for m in amr if m != AMR_MFA], method, AMR_MFA]


# --- Who must use a second factor ------------------------------------------------------------

def role_requires_second_factor(account: Account) -> bool:
    """Does any of the account's active roles require a second factor?"""
    codes = access_for(account).role_codes()
    return bool(codes) and Role.objects.filter(code__in=codes,
                                               requires_second_factor=True).exists()


def has_second_factor(account: Account) -> bool:
    """An authenticator app or a passkey (backup codes only recover one of those)."""
    return (AuthenticatorApp.objects.filter(account=account).exists()
            or Passkey.objects.filter(account=account).exists())


def is_second_factor_due(account: Account) -> bool:
    """A second factor is asked for when a role requires it, and from everyone who set one
    up: whoever enrolled a factor expects it to protect the account."""
    return role_requires_second_factor(account) or has_second_factor(account)


# --- Keys derived from GOVHUB_PII_KEY, the key for data at rest (kernel.key_derivation) ---

def _fernet() -> Fernet:
    return fernet(KeyPurpose.TOTP_SECRET_ENCRYPTION)


# --- TOTP (RFC 6238) -------------------------------------------------------------------------

def new_totp_secret() -> str:
    """160 random bits, base32 (RFC 4226 §4 recommends 160 bits)."""
    return pyotp.random_base32(length=32)


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    return _fernet().decrypt(ciphertext.encode()).decode()


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL_SECONDS)


def provisioning_uri(secret: str, account: Account) -> str:
    """The ``otpauth://`` URI authenticator apps read from the QR code."""
    return _totp(secret).provisioning_uri(name=account.username, issuer_name=TOTP_ISSUER)


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (the CSP allows data: images, nothing external)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def normalise_code(raw: str) -> str:
    return _NOT_CODE_CHARACTERS.sub("", raw or "").lower()


def matching_step(secret: str, code: str, *, after_step: int | None = None,
                  at: float | None = None) -> int | None:
    """The time step whose code equals ``code`` (within the allowed drift), or ``None``.
    Steps up to ``after_step`` are not considered: a code is used only once (RFC 6238 §5.2)."""
    code = normalise_code(code)
    if not (code.isdigit() and len(code) == TOTP_DIGITS):
        return None
    totp = _totp(secret)
    now_step = totp.timecode(at if at is not None else time.time())
    for step in range(now_step - TOTP_DRIFT_STEPS, now_step + TOTP_DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


# --- Backup codes ----------------------------------------------------------------------------

def new_backup_codes() -> list[str]:
    codes: set[str] = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add("".join(secrets.choice(BACKUP_CODE_ALPHABET)
                          for _ in range(BACKUP_CODE_LENGTH)))
    return [f"{c[:5]}-{c[5:]}" for c in sorted(codes)]


def backup_code_digest(code: str) -> str:
    """A keyed digest (HMAC-SHA256): the codes carry ~49 random bits, so a slow password
    hash adds nothing but cost, and without the key a stolen table proves nothing."""
    return keyed_digest(KeyPurpose.BACKUP_CODE_DIGEST, normalise_code(code))


def summary(account: Account) -> dict[str, Any]:
    """What the account has set up, for pages that offer the methods."""
    return {
        "app": AuthenticatorApp.objects.filter(account=account).first(),
        "passkeys": list(Passkey.objects.filter(account=account)),
        "backup_codes_left": account.backup_codes.filter(used_at__isnull=True).count(),
    }
