"""Personal identification numbers are stored protected (Law 91/2025/QH15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from govhub.identity import queries
from govhub.identity.models import Account
from govhub.identity.people import personal_id
from govhub.identity.people.services import accounts
from govhub.kernel.actors import SYSTEM
from govhub.kernel.audit import snapshot
from govhub.kernel.models import AuditEntry

NUMBER = "096123456789"


def test_protect_keeps_no_clear_number() -> None:
    protected = personal_id.protect(NUMBER)
    assert NUMBER not in protected.digest
    assert NUMBER not in protected.ciphertext
    assert protected.last_digits == "6789"
    assert personal_id.reveal(protected.ciphertext) == NUMBER
    assert personal_id.digest(" 0961 2345 6789 ") == protected.digest


@pytest.mark.parametrize("bad", ["12345", "09612345678A", "0961234567890", ""])
def test_only_twelve_digits_are_accepted(bad: str) -> None:
    with pytest.raises(ValidationError):
        personal_id.protect(bad)


def test_citizen_is_found_by_number_and_it_is_never_stored_in_clear(
    tree: Any, make_citizen: Any
) -> None:
    citizen = make_citizen(tree.commune_a, personal_id_number=NUMBER)
    assert queries.find_account_by_personal_id(NUMBER) == citizen
    assert citizen.masked_personal_id.endswith("6789")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identity_account WHERE id = %s", [citizen.pk.hex
                       if connection.vendor == "sqlite" else citizen.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert NUMBER not in row
    for entry in AuditEntry.objects.filter(target_id=str(citizen.pk)):
        assert NUMBER not in str(entry.before) + str(entry.after)


def test_one_number_one_account(tree: Any, make_citizen: Any) -> None:
    make_citizen(tree.commune_a, personal_id_number=NUMBER)
    with pytest.raises(ValidationError) as error:
        accounts.create_account(actor=SYSTEM, username="trung", full_name="Trùng Số",
                                kind="citizen", commune=tree.commune_b,
                                personal_id_number=NUMBER)
    assert "personal_id" in error.value.message_dict
    assert Account.objects.filter(username="trung").count() == 0


def test_snapshot_leaves_out_secrets() -> None:
    account = Account(username="a", full_name="A", personal_id_digest="d",
                      personal_id_ciphertext="c", personal_id_last_digits="1234")
    account.set_password("s3cret-password")
    values = snapshot(account)
    assert values["username"] == "a"
    assert values["personal_id_last_digits"] == "1234"
    for secret in ("password", "personal_id_digest", "personal_id_ciphertext"):
        assert secret not in values
