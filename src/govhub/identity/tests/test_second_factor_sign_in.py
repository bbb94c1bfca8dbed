"""The second step of an official's sign-in, through the Django test client:
who is asked, setting up a first factor, TOTP and backup codes, and what a sign-in
records (amr, acr)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
from typing import Any

import pyotp
import pytest
from django.test import Client
from jwcrypto import jwk, jwt

from govhub.identity.models import AuthenticatorApp, BackupCode
from govhub.identity.models import Client as ClientApp
from govhub.identity.people import roles
from govhub.identity.second_factor import methods as second_factor
from govhub.identity.second_factor.services import factors
from govhub.identity.sso.services import clients
from govhub.identity.tests.factor_fixtures import (
    is_signed_in,
    last_sign_in,
    password_step,
    secret_on_page,
    with_app,
)
from govhub.kernel.actors import SYSTEM
from govhub.kernel.models import AuditEntry

LOA_1, LOA_2 = "urn:govhub:loa:1", "urn:govhub:loa:2"


@pytest.fixture
def admin(tree: Any, make_official: Any) -> Any:
    """An agency administrator: the built-in role requires a second factor."""
    return make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.ax")


def test_an_official_without_a_second_factor_role_signs_in_with_the_password(
    client: Client, tree: Any, make_official: Any
) -> None:
    official = make_official(tree.commune_a, roles.REPORT_HANDLER, username="xuly")
    response = password_step(client, "xuly")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_signed_in(client)
    assert last_sign_in(official).amr == ["pwd"]
    assert last_sign_in(official).acr == LOA_1


def test_every_built_in_role_that_must_use_a_second_factor_is_asked_for_one(
    tree: Any, make_official: Any
) -> None:
    for code in (roles.PLATFORM_ADMIN, roles.AGENCY_ADMIN, roles.INTEGRATION_OPERATOR):
        make_official(tree.province, code, username=f"u-{code}")
        client = Client()
        response = password_step(client, f"u-{code}")
        assert response["Location"] == "/login/second-factor/", code
        assert not is_signed_in(client), code


def test_a_required_second_factor_is_set_up_before_the_first_sign_in(
    client: Client, admin: Any
) -> None:
    response = password_step(client, "quantri.ax", next_url="/account/security/")
    assert response["Location"] == "/login/second-factor/"
    assert not is_signed_in(client)  # nobody is logged in on the password alone
    # A page that needs a sign-in still sends the browser to the login page.
    assert client.get("/account/security/")["Location"].startswith("/login/")

    response = client.get("/login/second-factor/")
    assert response["Location"] == "/login/second-factor/set-up/"
    page = client.get("/login/second-factor/set-up/")
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html  # the QR code, served inline (CSP: data: images)
    assert "otpauth://totp/govhub:quantri.ax?secret=" in html
    secret = secret_on_page(html)

    wrong = client.post("/login/second-factor/set-up/", {"code": "000000"})
    assert wrong.status_code == 400
    assert 'aria-invalid="true"' in wrong.content.decode()
    assert not AuthenticatorApp.objects.filter(account=admin).exists()
    # The same secret is still on offer: a scanned QR code stays good.
    assert secret_on_page(wrong.content.decode()) == secret

    response = client.post("/login/second-factor/set-up/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/account/security/backup-codes/new/"
    assert is_signed_in(client)
    session = last_sign_in(admin)
    assert session.amr == ["pwd", "otp", "mfa"]
    assert session.acr == LOA_2

    shown = client.get("/account/security/backup-codes/new/")
    codes = shown.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert shown.context["next_url"] == "/account/security/"  # where the sign-in was going
    stored = list(BackupCode.objects.filter(account=admin).values_list("digest", flat=True))
    assert len(stored) == 10
    assert not set(codes) & set(stored)  # digests only
    # Shown once: a reload does not show them again.
    assert client.get("/account/security/backup-codes/new/").status_code == 302
    assert AuditEntry.objects.filter(target_type="identity.authenticatorapp",
                                     action="create", actor_id=admin.pk).exists()


def test_a_password_alone_cannot_add_a_factor_to_an_account_that_has_one(
    client: Client, admin: Any
) -> None:
    with_app(admin)
    password_step(client, "quantri.ax")
    assert client.get("/login/second-factor/set-up/")["Location"] == "/login/second-factor/"
    attempt = client.post("/login/second-factor/set-up/", {"code": "123456"})
    assert attempt["Location"] == "/login/second-factor/"
    options = client.post("/login/second-factor/set-up/passkey/options/")
    assert options.status_code == 400
    assert not admin.passkeys.exists()


def test_sign_in_with_an_authenticator_app_code(client: Client, admin: Any) -> None:
    secret = with_app(admin)
    response = password_step(client, "quantri.ax", next_url="/account/security/")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    response = client.post("/login/second-factor/code/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/account/security/"
    assert is_signed_in(client)
    assert last_sign_in(admin).amr == ["pwd", "otp", "mfa"]
    assert last_sign_in(admin).acr == LOA_2


def test_a_code_is_accepted_once(client: Client, admin: Any) -> None:
    secret = with_app(admin)
    code = pyotp.TOTP(secret).now()
    password_step(client, "quantri.ax")
    assert client.post("/login/second-factor/code/", {"code": code}).status_code == 302
    client.logout()

    other = Client()
    password_step(other, "quantri.ax")
    replay = other.post("/login/second-factor/code/", {"code": code})
    assert replay.status_code == 400
    assert not is_signed_in(other)
    # The same words as any wrong code: nothing tells a replay apart.
    wrong = other.post("/login/second-factor/code/", {"code": "999999" if code != "999999"
                                                      else "999998"})
    assert (replay.context["app_form"].errors["code"]
            == wrong.context["app_form"].errors["code"])


def test_the_code_that_confirmed_the_app_cannot_sign_in(client: Client, admin: Any) -> None:
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).now()
    factors.set_up_authenticator_app(actor=SYSTEM, account=admin, secret=secret, code=code)
    password_step(client, "quantri.ax")
    assert client.post("/login/second-factor/code/", {"code": code}).status_code == 400


def test_codes_from_the_neighbouring_time_steps_are_accepted(admin: Any) -> None:
    """RFC 6238 §5.2: one step of clock drift either way, not more."""
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    assert not second_factor.matching_step(secret, totp.at(time.time() - 60))
    assert not second_factor.matching_step(secret, totp.at(time.time() + 60))
    factors.set_up_authenticator_app(actor=SYSTEM, account=admin, secret=secret,
                                      code=totp.at(time.time() - 30))
    assert not factors.use_authenticator_app(account=admin, code=totp.at(time.time() - 30))
    assert factors.use_authenticator_app(account=admin, code=totp.at(time.time() + 30))
    # Once a later step was used, an earlier step's code is refused too.
    assert not factors.use_authenticator_app(account=admin, code=totp.now())


def test_five_wrong_codes_drop_the_pending_sign_in(client: Client, admin: Any) -> None:
    secret = with_app(admin)
    password_step(client, "quantri.ax", next_url="/account/security/")
    for left in (4, 3, 2, 1):
        response = client.post("/login/second-factor/code/", {"code": "000000"})
        assert response.status_code == 400
        assert response.context["attempts_left"] == left
    response = client.post("/login/second-factor/code/", {"code": "000000"})
    assert response["Location"].startswith("/login/second-factor/restart/?reason=too-many")
    page = client.get(response["Location"])
    assert "/login/?next=%2Faccount%2Fsecurity%2F" in page.content.decode()
    # The right code no longer helps: the sign-in must start again from the password.
    late = client.post("/login/second-factor/code/", {"code": pyotp.TOTP(secret).now()})
    assert late["Location"].startswith("/login/second-factor/restart/?reason=expired")
    assert not is_signed_in(client)


def test_wrong_codes_are_rate_limited_per_account_across_sign_ins(admin: Any) -> None:
    secret = with_app(admin)
    for _attempt in range(2):
        browser = Client()
        password_step(browser, "quantri.ax")
        for _ in range(5):
            browser.post("/login/second-factor/code/", {"code": "000000"})
    browser = Client()
    password_step(browser, "quantri.ax")
    response = browser.post("/login/second-factor/code/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"].startswith("/login/second-factor/restart/?reason=locked")
    assert not is_signed_in(browser)
    assert "15" in browser.get(response["Location"]).content.decode()


def test_a_pending_sign_in_expires_after_five_minutes(
    client: Client, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = with_app(admin)
    password_step(client, "quantri.ax")
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr("govhub.identity.sign_in.pending.time.time", lambda: later)
    response = client.post("/login/second-factor/code/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"].startswith("/login/second-factor/restart/?reason=expired")
    assert not is_signed_in(client)


def test_recovery_with_a_backup_code_then_a_prompt_to_set_up_again(
    client: Client, admin: Any
) -> None:
    with_app(admin)
    codes = factors.regenerate_backup_codes(actor=SYSTEM, account=admin)
    password_step(client, "quantri.ax", next_url="/account/security/")
    page = client.get("/login/second-factor/").content.decode()
    assert "<details" in page  # the backup code form waits behind "lost your phone?"
    response = client.post("/login/second-factor/backup-code/",
                           {"code": codes[3].upper().replace("-", " ")})
    assert response["Location"] == "/login/second-factor/recovered/"
    assert last_sign_in(admin).amr == ["pwd", "otp", "mfa"]
    assert last_sign_in(admin).acr == LOA_2
    prompt = client.get(response["Location"])
    assert prompt.context["left"] == 9
    html = prompt.content.decode()
    assert 'href="/account/security/"' in html  # set up again
    assert AuditEntry.objects.filter(target_type="identity.backupcode", action="update",
                                     actor_id=admin.pk).exists()
    client.logout()

    again = Client()
    password_step(again, "quantri.ax")
    reused = again.post("/login/second-factor/backup-code/", {"code": codes[3]})
    assert reused.status_code == 400
    assert reused.context["attempts_left"] == 4  # a wrong backup code counts as well
    assert again.post("/login/second-factor/backup-code/",
                      {"code": codes[4]}).status_code == 302


def test_wrong_password_says_the_same_for_known_and_unknown_accounts(
    client: Client, admin: Any
) -> None:
    with_app(admin)
    known = client.post("/login/", {"username": "quantri.ax", "password": "sai-mat-khau-1"})
    unknown = client.post("/login/", {"username": "khong.co.ai", "password": "sai-mat-khau-1"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    # A wrong password never reaches the second step.
    assert client.get("/login/second-factor/")["Location"].startswith(
        "/login/second-factor/restart/")


def test_an_outside_next_url_is_not_followed_after_the_second_factor(
    client: Client, admin: Any
) -> None:
    secret = with_app(admin)
    password_step(client, "quantri.ax", next_url="https://lua-dao.example/")
    response = client.post("/login/second-factor/code/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/"


def test_the_admin_login_page_asks_for_the_second_factor(client: Client, admin: Any) -> None:
    secret = with_app(admin)
    assert "Đăng nhập" in client.get("/admin/login/").content.decode()
    response = password_step(client, "quantri.ax", next_url="/admin/", path="/admin/login/")
    assert response["Location"] == "/login/second-factor/"
    assert client.get("/admin/").status_code == 302
    response = client.post("/login/second-factor/code/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_still_refuses_officials_without_an_admin_role(
    client: Client, tree: Any, make_official: Any
) -> None:
    make_official(tree.commune_a, username="khong.vai.tro")
    response = password_step(client, "khong.vai.tro", next_url="/admin/",
                             path="/admin/login/")
    assert response.status_code == 200
    assert not is_signed_in(client)


def test_someone_who_chose_a_second_factor_is_asked_for_it(
    client: Client, tree: Any, make_official: Any
) -> None:
    official = make_official(tree.commune_a, roles.REPORT_HANDLER, username="xuly")
    with_app(official)
    assert password_step(client, "xuly")["Location"] == "/login/second-factor/"


def test_english_pages_stay_in_english(client: Client, admin: Any) -> None:
    with_app(admin)
    response = password_step(client, "quantri.ax", path="/en/login/")
    assert response["Location"] == "/en/login/second-factor/"
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in page
    assert "Confirm it is you" in page


def test_the_id_token_says_two_factors_were_used(client: Client, admin: Any, tree: Any) -> None:
    """Authorization code flow with PKCE: the ID token (verified against the JWKS) carries
    the second factor's amr and acr level 2."""
    redirect = "https://dat-dai.camau.example/callback"
    app, _secret = clients.register_client(
        actor=SYSTEM, agency=tree.province, name="Ứng dụng thử",
        client_type=ClientApp.CLIENT_PUBLIC,
        authorization_grant_type=ClientApp.GRANT_AUTHORIZATION_CODE, redirect_uris=redirect,
        skip_authorization=True)
    secret = with_app(admin)
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode()
    authorize = "/o/authorize/?" + urllib.parse.urlencode({
        "client_id": app.client_id, "response_type": "code", "scope": "openid",
        "redirect_uri": redirect, "state": "s", "nonce": "n", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    to_login = client.get(authorize)["Location"]
    next_url = urllib.parse.parse_qs(urllib.parse.urlparse(to_login).query)["next"][0]
    assert password_step(client, "quantri.ax", next_url=next_url)["Location"] == \
        "/login/second-factor/"
    back = client.post("/login/second-factor/code/", {"code": pyotp.TOTP(secret).now()})
    callback = client.get(back["Location"])["Location"]
    code = urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["code"][0]
    tokens = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
        "client_id": app.client_id, "code_verifier": verifier}).json()
    keys = jwk.JWKSet.from_json(client.get("/o/.well-known/jwks.json").content)
    claims = json.loads(jwt.JWT(jwt=tokens["id_token"], key=keys, expected_type="JWS").claims)
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["acr"] == LOA_2
