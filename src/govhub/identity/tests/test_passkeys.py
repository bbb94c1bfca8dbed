"""Passkeys (WebAuthn) through the JSON endpoints, answered by a software authenticator that
speaks the real protocol (tests/soft_authenticator.py): registration, sign-in, the
signature counter, origin and challenge checks, and amr "hwk"/"swk"."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from govhub.identity.models import BackupCode, Passkey
from govhub.identity.people import roles
from govhub.identity.tests.factor_fixtures import (
    is_signed_in,
    last_sign_in,
    password_step,
)
from govhub.identity.tests.soft_authenticator import SoftAuthenticator
from govhub.kernel.models import AuditEntry

ORIGIN = "http://testserver"  # the test client's host: RP id "testserver"


def post_json(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def register(client: Client, authenticator: SoftAuthenticator, nickname: str,
             base: str = "/account/security/passkeys/") -> Any:
    options = post_json(client, base + "options/").json()
    return post_json(client, base, {"credential": authenticator.create(options),
                                    "nickname": nickname})


def sign_in_with(client: Client, authenticator: SoftAuthenticator, **answer: Any) -> Any:
    options = post_json(client, "/login/second-factor/passkey/options/").json()
    return post_json(client, "/login/second-factor/passkey/",
                     {"credential": authenticator.get(options, **answer)})


@pytest.fixture
def admin(tree: Any, make_official: Any) -> Any:
    return make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.ax")


def test_a_passkey_is_the_first_factor_set_up_during_sign_in(
    client: Client, admin: Any
) -> None:
    password_step(client, "quantri.ax", next_url="/account/security/")
    key = SoftAuthenticator(ORIGIN)
    options = post_json(client, "/login/second-factor/set-up/passkey/options/").json()
    assert options["rp"]["id"] == "testserver"
    assert options["user"]["name"] == "quantri.ax"
    assert options["attestation"] == "none"
    response = post_json(client, "/login/second-factor/set-up/passkey/",
                         {"credential": key.create(options), "nickname": "Máy tính bảng"})
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == "/account/security/backup-codes/new/"
    assert is_signed_in(client)
    assert last_sign_in(admin).amr == ["pwd", "hwk", "mfa"]
    assert last_sign_in(admin).acr == "urn:govhub:loa:2"
    passkey = Passkey.objects.get(account=admin)
    assert passkey.nickname == "Máy tính bảng"
    assert passkey.transports == ["internal"]
    assert passkey.credential_id == key.id
    assert BackupCode.objects.filter(account=admin).count() == 10


def test_registration_and_sign_in_with_a_passkey(client: Client, admin: Any) -> None:
    client.force_login(admin)
    key = SoftAuthenticator(ORIGIN)
    response = register(client, key, "Khóa bảo mật")
    assert response.json()["redirect"] == "/account/security/backup-codes/new/"
    assert AuditEntry.objects.filter(target_type="identity.passkey", action="create",
                                     actor_id=admin.pk).exists()
    client.logout()

    password_step(client, "quantri.ax", next_url="/account/security/")
    page = client.get("/login/second-factor/").content.decode()
    assert 'data-passkey="authenticate"' in page
    assert "/static/govhub/passkey.js" in page
    options = post_json(client, "/login/second-factor/passkey/options/").json()
    assert [c["id"] for c in options["allowCredentials"]] == [key.id]
    response = post_json(client, "/login/second-factor/passkey/",
                         {"credential": key.get(options)})
    assert response.json() == {"redirect": "/account/security/"}
    assert last_sign_in(admin).amr == ["pwd", "hwk", "mfa"]
    passkey = Passkey.objects.get(account=admin)
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None


def test_a_synced_passkey_counts_as_a_software_key(client: Client, admin: Any) -> None:
    client.force_login(admin)
    key = SoftAuthenticator(ORIGIN, synced=True)
    register(client, key, "iCloud")
    assert Passkey.objects.get(account=admin).is_synced
    client.logout()
    password_step(client, "quantri.ax")
    assert sign_in_with(client, key).status_code == 200
    assert last_sign_in(admin).amr == ["pwd", "swk", "mfa"]


def test_an_answer_for_another_origin_or_an_old_counter_is_refused(
    client: Client, admin: Any
) -> None:
    client.force_login(admin)
    key = SoftAuthenticator(ORIGIN)
    register(client, key, "Khóa")
    # No pending sign-in in another browser: no challenge to answer.
    assert post_json(Client(), "/login/second-factor/passkey/options/").status_code == 400
    client.logout()

    password_step(client, "quantri.ax")
    phishing = sign_in_with(client, key, origin="https://govhub-gia.example")
    assert phishing.status_code == 400
    assert sign_in_with(client, key).status_code == 200  # counter 1 (or more)
    client.logout()

    password_step(client, "quantri.ax")
    cloned = sign_in_with(client, key, count=1)  # a copy of the key replays an old counter
    assert cloned.status_code == 400
    assert not is_signed_in(client)


def test_a_challenge_is_answered_once(client: Client, admin: Any) -> None:
    client.force_login(admin)
    key = SoftAuthenticator(ORIGIN)
    register(client, key, "Khóa")
    client.logout()
    password_step(client, "quantri.ax")
    options = post_json(client, "/login/second-factor/passkey/options/").json()
    answer = key.get(options)
    first = post_json(client, "/login/second-factor/passkey/", {"credential": answer})
    assert first.status_code == 200
    client.logout()
    password_step(client, "quantri.ax")
    replay = post_json(client, "/login/second-factor/passkey/", {"credential": answer})
    assert replay.status_code == 400
    assert not is_signed_in(client)


def test_failed_passkey_answers_count_towards_the_lockout(client: Client, admin: Any) -> None:
    client.force_login(admin)
    key = SoftAuthenticator(ORIGIN)
    register(client, key, "Khóa")
    client.logout()
    password_step(client, "quantri.ax")
    stranger = SoftAuthenticator(ORIGIN)
    for _ in range(4):
        response = sign_in_with(client, stranger)
        assert response.status_code == 400
        assert "redirect" not in response.json()
    response = sign_in_with(client, stranger)
    assert "reason=too-many" in response.json()["redirect"]
    options = post_json(client, "/login/second-factor/passkey/options/")  # start again
    assert "reason=expired" in options.json()["redirect"]


def test_the_same_authenticator_cannot_be_registered_twice(client: Client, admin: Any) -> None:
    client.force_login(admin)
    key = SoftAuthenticator(ORIGIN)
    register(client, key, "Khóa")
    options = post_json(client, "/account/security/passkeys/options/").json()
    assert [c["id"] for c in options["excludeCredentials"]] == [key.id]


def test_garbage_is_answered_with_a_message_not_an_error_page(
    client: Client, admin: Any
) -> None:
    client.force_login(admin)
    post_json(client, "/account/security/passkeys/options/")
    response = client.post("/account/security/passkeys/", "{not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["title"]
    response = post_json(client, "/account/security/passkeys/",
                         {"credential": {"id": "x", "response": {}}})
    assert response.status_code == 400
    assert not Passkey.objects.exists()


def test_the_relying_party_id_can_be_fixed_by_setting(
    client: Client, admin: Any, settings: Any
) -> None:
    """GOVHUB_WEBAUTHN_RP_ID (e.g. a parent domain of several hosts) replaces the host."""
    settings.GOVHUB_WEBAUTHN_RP_ID = "camau.gov.vn"
    client.force_login(admin)
    options = post_json(client, "/account/security/passkeys/options/").json()
    assert options["rp"]["id"] == "camau.gov.vn"
    # An answer made for the request's host does not match that relying party.
    key = SoftAuthenticator(ORIGIN)
    answer = key.create({**options, "rp": {"id": "testserver"}})
    response = post_json(client, "/account/security/passkeys/", {"credential": answer})
    assert response.status_code == 400
