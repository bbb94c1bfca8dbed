"""The keys derived from GOVHUB_PII_KEY must never change for a purpose already in use:
personal identification numbers, TOTP secrets and OIDC signing keys are stored encrypted
under them, and digests of numbers and backup codes are looked up by value (ADR 0008). Each
value below was produced by the code as it stood when these purposes were first written;
a derivation that changes any of them would make stored data unreadable or unfindable."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import InvalidToken

from govhub.identity.people import personal_id
from govhub.identity.second_factor import methods as second_factor
from govhub.identity.sso import signing_keys

PINNED_PII_KEY = "pinned-pii-key-for-derivation-tests-0123456789"
NUMBER = "012345678901"
NUMBER_DIGEST = "7ed44d278e5fbd1b9c4ed15f91bb2f411b59c575e92aa845f70d1e3ca430dadb"
NUMBER_CIPHERTEXT = ("gAAAAABrF0zDXbpRLmr2IXbc4o972C87MvSfMdgM2Ae7OMY3wCKPQKvtW0JXfVkdymGabiNKcL"
                     "d5QkVSqbZFzCi_HLX_CLTOJA==")
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
TOTP_CIPHERTEXT = ("gAAAAABrF0zDAhKiCp_C6cFoo1J7xNmlNrTbTwaz0nfOzx_xF6jZkjzPFUBZ6HzNKCPsj5LYCUzw"
                   "OHz1v0E8wPKH9ZvCFeQ9ZOPc0baP-wPblPpI369PvfE=")
BACKUP_CODE = "abcde-23456"
BACKUP_CODE_DIGEST = "b7a7c9a3a4f12ca0b4ab41c916352118842456ec335bc3ad8fa958939a891f74"
# A P-256 private key (PKCS #8 PEM) encrypted as signing keys are stored, and its RFC 7638
# thumbprint.
SIGNING_KEY_CIPHERTEXT = (
    "gAAAAABrF0zD4Tawz6mzGnPI6VFlaJlQc0WCYv9ShcLZYPvFtDX7N7erZ8inFqAUoYmXhriUFZZvoBBJqhzPrk1smP"
    "rcYlv35GJhUU7a0wfcMFEB4_dupYNEHD3nfp5UDTTIJuf0Se2eNJWXf4NRat11gOrr3voEvWrPvV68ZPib9eT_M3gW0"
    "6Qm-w-pLtxjRu2fiASroNdTqmzksqDRDVARKeuALBpEkapTdAYhTsvk2bODBEgavtxHqK-ZWOglTSc_JPsKVj3ctFQI"
    "5pfOIRLMx_XfrF3wAgx3UgdC2uHEND_l9anArVvts-Gxl2rE98YfC7D17xjI5D00YsvsPLHmX4U11T6lPK0_drMrZbg"
    "KoSI-YZ3vov5DqyugCsyg0QK9OWVup6f4LW9drA5YPAHbhCWwcfMp8A==")
SIGNING_KEY_THUMBPRINT = "3Gvv2wxlMQLncK1nvQ2CqAknUMXHesv_iLV-w-ZFs4o"


@pytest.fixture(autouse=True)
def pinned_key(settings: Any) -> None:
    settings.GOVHUB_PII_KEY = PINNED_PII_KEY


def test_a_personal_id_digest_is_the_one_stored_before() -> None:
    assert personal_id.digest(NUMBER) == NUMBER_DIGEST
    assert personal_id.protect(NUMBER).digest == NUMBER_DIGEST


def test_a_personal_id_encrypted_before_still_decrypts() -> None:
    assert personal_id.reveal(NUMBER_CIPHERTEXT) == NUMBER


def test_a_totp_secret_encrypted_before_still_decrypts() -> None:
    assert second_factor.decrypt_secret(TOTP_CIPHERTEXT) == TOTP_SECRET


def test_a_backup_code_digest_is_the_one_stored_before() -> None:
    assert second_factor.backup_code_digest(BACKUP_CODE) == BACKUP_CODE_DIGEST


def test_a_signing_key_encrypted_before_still_decrypts() -> None:
    key = signing_keys._jwk_for("pinned", SIGNING_KEY_CIPHERTEXT)
    assert key.thumbprint() == SIGNING_KEY_THUMBPRINT


def test_another_pii_key_reads_none_of_them(settings: Any) -> None:
    settings.GOVHUB_PII_KEY = PINNED_PII_KEY + "-other"
    assert personal_id.digest(NUMBER) != NUMBER_DIGEST
    with pytest.raises(InvalidToken):
        personal_id.reveal(NUMBER_CIPHERTEXT)
