"""Key derivation checked against an independent implementation of RFC 5869 written from the
RFC with the standard library's HMAC, and against the RFC's own test vector."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from cryptography.fernet import InvalidToken

from govhub.kernel.key_derivation import KeyPurpose, derive_key, fernet, hkdf_sha256, keyed_digest

MASTER_KEY = "pinned-pii-key-for-derivation-tests-0123456789"


def rfc5869_hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()  # §2.2
    okm, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):  # §2.3
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
    return okm[:length]


def test_the_independent_hkdf_meets_rfc5869_test_case_1() -> None:
    okm = rfc5869_hkdf_sha256(bytes.fromhex("0b" * 22), bytes.fromhex("000102030405060708090a0b0c"),
                              bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"), 42)
    assert okm.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                         "34007208d5b887185865")


@pytest.mark.parametrize("purpose", list(KeyPurpose))
def test_first_purposes_keep_their_hmac_of_the_label(settings: Any, purpose: KeyPurpose) -> None:
    settings.GOVHUB_PII_KEY = MASTER_KEY
    assert purpose.is_extract_only
    expected = hmac.new(MASTER_KEY.encode(), purpose.value.encode(), hashlib.sha256).digest()
    assert derive_key(purpose) == expected


def test_a_new_purpose_is_full_hkdf_with_the_label_as_info() -> None:
    derived = hkdf_sha256(MASTER_KEY, "push-subscription-encryption", is_extract_only=False)
    assert derived == rfc5869_hkdf_sha256(MASTER_KEY.encode(), b"",
                                          b"govhub/push-subscription-encryption", 32)


def test_every_purpose_has_its_own_key(settings: Any) -> None:
    settings.GOVHUB_PII_KEY = MASTER_KEY
    keys = {derive_key(purpose) for purpose in KeyPurpose}
    assert len(keys) == len(KeyPurpose)


def test_the_keys_follow_the_master_key(settings: Any) -> None:
    settings.GOVHUB_PII_KEY = MASTER_KEY
    before = keyed_digest(KeyPurpose.BACKUP_CODE_DIGEST, "abcde23456")
    token = fernet(KeyPurpose.PERSONAL_ID_ENCRYPTION).encrypt(b"012345678901")
    settings.GOVHUB_PII_KEY = MASTER_KEY + "-rotated"
    assert keyed_digest(KeyPurpose.BACKUP_CODE_DIGEST, "abcde23456") != before
    with pytest.raises(InvalidToken):
        fernet(KeyPurpose.PERSONAL_ID_ENCRYPTION).decrypt(token)
