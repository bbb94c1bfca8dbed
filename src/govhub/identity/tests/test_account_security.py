"""Bảo mật tài khoản: a signed-in official lists, adds and removes second factors and renews
backup codes; the last factor of an account whose role requires one stays."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from govhub.identity.models import AuthenticatorApp, BackupCode, Passkey
from govhub.identity.people import roles
from govhub.identity.second_factor.passkeys import NewCredential
from govhub.identity.second_factor.services import factors
from govhub.identity.tests.factor_fixtures import (
    is_signed_in,
    last_sign_in,
    password_step,
    secret_on_page,
    with_app,
)
from govhub.kernel.actors import SYSTEM
from govhub.kernel.models import AuditEntry


def passkey_for(account: Any, nickname: str = "Khóa USB") -> Passkey:
    passkey, _codes = factors.register_passkey(
        actor=SYSTEM, account=account, nickname=nickname,
        credential=NewCredential(credential_id=f"id-{nickname}", public_key=b"\x01",
                                 sign_count=0, transports=["usb"], is_synced=False))
    return passkey


@pytest.fixture
def admin(tree: Any, make_official: Any) -> Any:
    return make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.ax")


@pytest.fixture
def handler(tree: Any, make_official: Any) -> Any:
    return make_official(tree.commune_a, roles.REPORT_HANDLER, username="xuly")


def test_the_page_needs_a_sign_in(client: Client) -> None:
    assert client.get("/account/security/")["Location"].startswith("/login/")


def test_the_page_lists_the_factors_in_vietnamese(client: Client, admin: Any) -> None:
    with_app(admin)
    passkey_for(admin, "Điện thoại của tôi")
    client.force_login(admin)
    page = client.get("/account/security/")
    html = page.content.decode()
    assert "Bảo mật tài khoản" in html or "Account security" in html
    assert "Điện thoại của tôi" in html
    assert page.context["backup_codes_left"] == 10
    assert page.context["is_required"] is True
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "<script>" not in html  # the passkey script is a file (CSP)


def test_an_official_adds_an_authenticator_app_and_gets_backup_codes_once(
    client: Client, handler: Any
) -> None:
    client.force_login(handler)
    page = client.get("/account/security/authenticator-app/")
    secret = secret_on_page(page.content.decode())
    response = client.post("/account/security/authenticator-app/",
                           {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/account/security/backup-codes/new/"
    assert len(client.get(response["Location"]).context["codes"]) == 10
    assert AuthenticatorApp.objects.filter(account=handler).exists()
    # From now on this account's sign-in asks for it, although no role requires it.
    client.logout()
    assert password_step(client, "xuly")["Location"] == "/login/second-factor/"


def test_moving_to_a_new_phone_replaces_the_app_and_keeps_the_codes(
    client: Client, admin: Any
) -> None:
    old_secret = with_app(admin)
    codes_before = set(BackupCode.objects.filter(account=admin).values_list("digest",
                                                                           flat=True))
    client.force_login(admin)
    page = client.get("/account/security/authenticator-app/")
    assert page.context["replaces"] is True
    new_secret = secret_on_page(page.content.decode())
    response = client.post("/account/security/authenticator-app/",
                           {"code": pyotp.TOTP(new_secret).now()})
    assert response["Location"] == "/account/security/"
    assert AuthenticatorApp.objects.filter(account=admin).count() == 1
    assert set(BackupCode.objects.filter(account=admin).values_list("digest",
                                                                   flat=True)) == codes_before
    assert not factors.use_authenticator_app(account=admin,
                                              code=pyotp.TOTP(old_secret).now())
    assert AuditEntry.objects.filter(target_type="identity.authenticatorapp",
                                     action="update").exists()


def test_the_last_factor_of_a_role_that_requires_one_cannot_be_removed(
    client: Client, admin: Any
) -> None:
    with_app(admin)
    client.force_login(admin)
    response = client.post("/account/security/authenticator-app/remove/", follow=True)
    assert AuthenticatorApp.objects.filter(account=admin).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("last" in m or "cuối" in m for m in messages), messages
    assert not AuditEntry.objects.filter(target_type="identity.authenticatorapp",
                                         action="delete").exists()


def test_a_factor_is_removed_when_another_remains(client: Client, admin: Any) -> None:
    with_app(admin)
    passkey = passkey_for(admin)
    client.force_login(admin)
    client.post("/account/security/authenticator-app/remove/")
    assert not AuthenticatorApp.objects.filter(account=admin).exists()
    # Now the passkey is the last one: it stays.
    client.post(f"/account/security/passkeys/{passkey.pk}/remove/")
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    entry = AuditEntry.objects.get(target_type="identity.authenticatorapp", action="delete")
    assert entry.actor_id == admin.pk
    assert "secret_ciphertext" not in (entry.before or {})


def test_without_a_requiring_role_the_last_factor_goes_with_the_backup_codes(
    client: Client, handler: Any
) -> None:
    passkey = passkey_for(handler)
    client.force_login(handler)
    response = client.post(f"/account/security/passkeys/{passkey.pk}/remove/")
    assert response["Location"] == "/account/security/"
    assert not Passkey.objects.filter(account=handler).exists()
    assert not BackupCode.objects.filter(account=handler).exists()
    client.logout()
    assert password_step(client, "xuly")["Location"] == "/"
    assert last_sign_in(handler).acr == "urn:govhub:loa:1"


def test_someone_elses_passkey_is_not_found(client: Client, admin: Any, handler: Any) -> None:
    passkey = passkey_for(handler)
    client.force_login(admin)
    assert client.post(f"/account/security/passkeys/{passkey.pk}/remove/").status_code == 404
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_new_backup_codes_replace_the_old_ones(client: Client, admin: Any) -> None:
    with_app(admin)
    old = factors.regenerate_backup_codes(actor=SYSTEM, account=admin)
    client.force_login(admin)
    response = client.post("/account/security/backup-codes/")
    new = client.get(response["Location"]).context["codes"]
    assert len(new) == 10
    assert factors.use_backup_code(account=admin, code=old[0]) is None
    assert factors.use_backup_code(account=admin, code=new[0]) == 9


def test_backup_codes_need_a_factor_first(client: Client, handler: Any) -> None:
    client.force_login(handler)
    client.post("/account/security/backup-codes/")
    assert not BackupCode.objects.filter(account=handler).exists()


def test_only_the_account_holder_changes_its_factors(admin: Any, handler: Any) -> None:
    with pytest.raises(PermissionDenied):
        factors.regenerate_backup_codes(actor=admin, account=handler)
    with pytest.raises(PermissionDenied):
        factors.remove_authenticator_app(actor=admin, account=handler)


def test_an_administrator_resets_the_factors_of_an_official_who_lost_them(
    tree: Any, make_official: Any, admin: Any
) -> None:
    official = make_official(tree.commune_a, roles.INTEGRATION_OPERATOR, username="vanhanh")
    with_app(official)
    outsider = make_official(tree.commune_b, roles.AGENCY_ADMIN)
    with pytest.raises(PermissionDenied):
        factors.reset_second_factors(actor=outsider, account=official)
    factors.reset_second_factors(actor=admin, account=official)
    assert not AuthenticatorApp.objects.filter(account=official).exists()
    assert not BackupCode.objects.filter(account=official).exists()
    assert AuditEntry.objects.filter(target_type="identity.secondfactor",
                                     actor_id=admin.pk).exists()
    # The next sign-in sets up a factor again.
    client = Client()
    password_step(client, "vanhanh")
    assert client.get("/login/second-factor/")["Location"] == "/login/second-factor/set-up/"
    assert not is_signed_in(client)


def test_a_wrong_confirmation_code_is_shown_next_to_the_field(
    client: Client, handler: Any
) -> None:
    client.force_login(handler)
    client.get("/account/security/authenticator-app/")
    response = client.post("/account/security/authenticator-app/", {"code": "12345"})
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert 'value="12345"' in response.content.decode()  # what was typed stays
    with pytest.raises(ValidationError):
        factors.set_up_authenticator_app(actor=handler, account=handler,
                                          secret=pyotp.random_base32(), code="000000")


@pytest.mark.parametrize("action", ["remove-app", "remove-passkey", "new-backup-codes"])
def test_an_old_sign_in_must_sign_in_again_before_taking_a_factor_away(
    client: Client, admin: Any, action: str
) -> None:
    # OWASP ASVS V3.7.1: a browser left signed in cannot weaken the account.
    from datetime import timedelta

    from django.utils import timezone

    from govhub.identity.models import SignInSession

    with_app(admin)
    passkey = passkey_for(admin)
    client.force_login(admin)
    SignInSession.objects.filter(account=admin).update(
        authenticated_at=timezone.now() - timedelta(minutes=11))
    codes_before = set(BackupCode.objects.filter(account=admin).values_list("pk", flat=True))
    path = {"remove-app": "/account/security/authenticator-app/remove/",
            "remove-passkey": f"/account/security/passkeys/{passkey.pk}/remove/",
            "new-backup-codes": "/account/security/backup-codes/"}[action]
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/account/security/")
    assert AuthenticatorApp.objects.filter(account=admin).exists()
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    assert set(BackupCode.objects.filter(account=admin).values_list("pk", flat=True)) == \
        codes_before
