"""The second factor in a real browser (headless Chromium driven by Playwright) against a
live server: an official sets up an authenticator app and signs in with password + TOTP;
another registers a passkey and signs in with it, answered by Chromium's virtual WebAuthn
authenticator (Chrome DevTools Protocol). The page's own script (static passkey.js, under
the site's CSP) runs the ceremonies."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from conftest import PASSWORD
from playwright.sync_api import Browser, Page, expect

from govhub.identity.models import Passkey
from govhub.identity.people import roles
from govhub.identity.tests.factor_fixtures import (
    last_sign_in,
)

# Django refuses database access from inside Playwright's event loop unless told it is safe
# (the sync API runs the test in a thread that owns an event loop).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Script errors and CSP violations; a 400 answer to a wrong code is expected.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None)
    yield page
    context.close()
    assert not errors, errors  # no script error, no CSP violation


@pytest.fixture
def base(live_server: Any) -> str:
    # WebAuthn needs a secure context: http://localhost is one, http://127.0.0.1 may not be.
    return str(live_server.url).replace("127.0.0.1", "localhost")


def enter_password(page: Page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


def test_password_then_authenticator_app(page: Page, base: str, tree: Any,
                                         make_official: Any) -> None:
    official = make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.ax")

    # First sign-in: the role requires a second factor, so set one up.
    enter_password(page, base, "quantri.ax", "/account/security/")
    expect(page).to_have_url(f"{base}/login/second-factor/set-up/")
    expect(page.locator("img.qr")).to_be_visible()
    page.click("details.manual summary")
    secret = page.inner_text("[data-totp-secret]").replace(" ", "")
    totp = pyotp.TOTP(secret)
    # The previous time step's code (still within the drift), so the current one stays
    # unused for the sign-in below without waiting 30 seconds.
    page.fill("input[name=code]", totp.at(time.time() - 30))
    page.click("form[action='/login/second-factor/set-up/'] button[type=submit]")
    expect(page).to_have_url(f"{base}/account/security/backup-codes/new/")
    expect(page.locator("[data-backup-codes] li")).to_have_count(10)
    page.click("a[href='/account/security/']")
    expect(page).to_have_url(f"{base}/account/security/")

    # Second sign-in, in a fresh session: password, then the app's current code.
    page.context.clear_cookies()
    enter_password(page, base, "quantri.ax", "/account/security/")
    expect(page).to_have_url(f"{base}/login/second-factor/")
    code_field = page.locator("form[action='/login/second-factor/code/'] input[name=code]")
    expect(code_field).to_be_focused()
    code_field.fill("000000" if totp.now() != "000000" else "111111")
    page.click("form[action='/login/second-factor/code/'] button[type=submit]")
    expect(page.locator("input[name=code][aria-invalid=true]")).to_be_visible()
    page.fill("form[action='/login/second-factor/code/'] input[name=code]", totp.now())
    page.click("form[action='/login/second-factor/code/'] button[type=submit]")
    expect(page).to_have_url(f"{base}/account/security/")
    session = last_sign_in(official)
    assert session.amr == ["pwd", "otp", "mfa"]
    assert session.acr == "urn:govhub:loa:2"


def add_virtual_authenticator(page: Page) -> Any:
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    return devtools


def test_passkey_registration_and_sign_in(page: Page, base: str, tree: Any,
                                          make_official: Any) -> None:
    official = make_official(tree.unit, roles.INTEGRATION_OPERATOR, username="vanhanh")
    add_virtual_authenticator(page)

    enter_password(page, base, "vanhanh", "/account/security/")
    expect(page).to_have_url(f"{base}/login/second-factor/set-up/")
    page.fill("[data-passkey-nickname]", "Máy tính cơ quan")
    page.click("form[data-passkey=register] button[type=submit]")
    expect(page).to_have_url(f"{base}/account/security/backup-codes/new/")
    passkey = Passkey.objects.get(account=official)
    assert passkey.nickname == "Máy tính cơ quan"
    assert passkey.transports == ["internal"]
    assert last_sign_in(official).amr == ["pwd", "hwk", "mfa"]

    page.context.clear_cookies()
    enter_password(page, base, "vanhanh", "/account/security/")
    expect(page).to_have_url(f"{base}/login/second-factor/")
    page.click("form[data-passkey=authenticate] button[type=submit]")
    expect(page).to_have_url(f"{base}/account/security/")
    expect(page.locator("main")).to_contain_text("Máy tính cơ quan")
    session = last_sign_in(official)
    assert session.amr == ["pwd", "hwk", "mfa"]
    assert session.acr == "urn:govhub:loa:2"
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert re.fullmatch(r"[A-Za-z0-9_-]+", passkey.credential_id)
