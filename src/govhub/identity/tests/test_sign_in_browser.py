"""A first sign-in from scratch, in a real browser (headless Chromium, which enforces the
Content-Security-Policy that HTTP-level tests never see), at two relying parties on other
origins: the land-parcel mini-app (govhub_sandbox.miniapp, first-party: no consent page)
and a second app on another port that shows the consent screen.

CSP Level 3 §6.3.2.3: ``form-action`` applies to every redirect that follows a form
submission, so the posted password (and consent) form ends at the app's redirect URI only
if the page's policy names it. Each test starts with a fresh browser context: nobody is
signed in, so every form is posted."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from conftest import PASSWORD
from playwright.sync_api import Browser, Page, expect

from govhub.identity.models import Client, Consent
from govhub.identity.people import roles
from govhub.identity.sso.services import clients
from govhub.identity.tests.factor_fixtures import with_app
from govhub.kernel.actors import SYSTEM
from govhub_sandbox.miniapp.app import create_app as create_miniapp
from govhub_sandbox.miniapp.config import Settings
from govhub_sandbox.serving import RunningApp, base_url, bind, start_on_socket

# Django refuses database access from inside Playwright's event loop unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class BrowserPage:
    page: Page
    errors: list[str]  # console errors: CSP violations among them


@pytest.fixture
def fresh(chromium: Browser) -> Iterator[BrowserPage]:
    context = chromium.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    yield BrowserPage(page, errors)
    context.close()


def off_the_loop(start: Callable[[], RunningApp]) -> RunningApp:
    """Playwright's sync API keeps an event loop running in this thread; a server's own
    loop must be started from another one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(start).result()


@dataclass
class RelyingParty:
    url: str
    client: Client


@pytest.fixture
def start_app(live_server: Any, settings: Any, tree: Any,
              tmp_path: Path) -> Iterator[Callable[..., RelyingParty]]:
    """Starts the land-parcel mini-app on a port of its own, registered as a client."""
    issuer = str(live_server.url)
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": issuer}
    running: list[RunningApp] = []

    def start(name: str, *, first_party: bool) -> RelyingParty:
        sock = bind("127.0.0.1", 0)  # the port must be known to register the redirect URI
        url = base_url(sock)
        client, secret = clients.register_client(
            actor=SYSTEM, agency=tree.department, name=name,
            client_type=Client.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
            skip_authorization=first_party, allowed_scopes="openid profile",
            redirect_uris=f"{url}/callback", post_logout_redirect_uris=f"{url}/")
        assert secret is not None
        key_file = tmp_path / f"hub-key-{len(running)}"
        key_file.write_text("test-hub-key")
        app = create_miniapp(Settings(
            issuer=issuer, client_id=client.client_id, client_secret=secret, public_url=url,
            gateway_url="http://127.0.0.1:9", service_path="", hub_key_file=key_file))
        running.append(off_the_loop(lambda: start_on_socket(app, sock, name=name)))
        return RelyingParty(url, client)

    yield start
    for app in running:
        app.stop()


def sign_in_from_the_app(browser: BrowserPage, app: RelyingParty, username: str) -> None:
    page = browser.page
    page.goto(f"{app.url}/")
    # The app asked govhub silently; nobody is signed in, so it offers "Đăng nhập".
    expect(page.locator("[data-signed-out]")).to_be_visible()
    page.click("[data-signed-out] a.button")
    expect(page.locator("input[name=password]")).to_be_visible()
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


def form_action_violations(browser: BrowserPage) -> list[str]:
    return [error for error in browser.errors if "form-action" in error]


def test_first_sign_in_at_the_miniapp_reaches_it(fresh: BrowserPage, start_app: Any,
                                                 tree: Any, make_citizen: Any) -> None:
    miniapp = start_app("Tra cứu thửa đất", first_party=True)
    make_citizen(tree.commune_a, username="congdan.csp", full_name="Ngô Thị Lần Đầu",
                 password=PASSWORD)

    sign_in_from_the_app(fresh, miniapp, "congdan.csp")

    expect(fresh.page.locator("[data-person]")).to_have_text("Ngô Thị Lần Đầu")
    expect(fresh.page).to_have_url(f"{miniapp.url}/")
    assert not form_action_violations(fresh), fresh.errors


def test_first_sign_in_with_consent_at_a_second_app_reaches_it(
        fresh: BrowserPage, start_app: Any, tree: Any, make_citizen: Any) -> None:
    start_app("Tra cứu thửa đất", first_party=True)  # registered, but not this sign-in's
    other = start_app("Cổng dịch vụ công xã", first_party=False)
    citizen = make_citizen(tree.commune_a, username="congdan.consent",
                           full_name="Đỗ Văn Đồng Ý", password=PASSWORD)

    sign_in_from_the_app(fresh, other, "congdan.consent")
    # The consent page: its form, too, ends at the app.
    allow = fresh.page.locator("button[name=allow]")
    expect(allow).to_be_visible()
    allow.click()

    expect(fresh.page.locator("[data-person]")).to_have_text("Đỗ Văn Đồng Ý")
    expect(fresh.page).to_have_url(f"{other.url}/")
    assert Consent.objects.filter(account=citizen, client=other.client,
                                  revoked_at__isnull=True).exists()
    assert not form_action_violations(fresh), fresh.errors


def test_first_sign_in_with_a_second_factor_reaches_the_app(
        fresh: BrowserPage, start_app: Any, tree: Any, make_official: Any) -> None:
    """The second-factor page's form, too, ends at the app (after /o/authorize/)."""
    miniapp = start_app("Tra cứu thửa đất", first_party=True)
    official = make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.csp")
    secret = with_app(official)

    sign_in_from_the_app(fresh, miniapp, "quantri.csp")
    code = fresh.page.locator("form[action='/login/second-factor/code/'] input[name=code]")
    expect(code).to_be_visible()
    code.fill(pyotp.TOTP(secret).now())
    fresh.page.click("form[action='/login/second-factor/code/'] button[type=submit]")

    expect(fresh.page.locator("[data-person]")).to_have_text(official.full_name)
    expect(fresh.page).to_have_url(f"{miniapp.url}/")
    assert not form_action_violations(fresh), fresh.errors
