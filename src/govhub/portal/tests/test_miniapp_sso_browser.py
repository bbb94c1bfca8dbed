"""Single sign-on into a web mini-app in a browser: sign in once at govhub, open the land-parcel web
mini-app (govhub_sandbox.miniapp, a separate aiohttp app and its own OIDC client) and arrive
signed in with no second sign-in form; sign out at govhub and the mini-app's own session is
gone too (OpenID Connect Back-Channel Logout 1.0, delivered by the immediate task backend).

The mini-app calls the sandbox land registry directly rather than through the gateway: the
gateway needs a published config snapshot, an agreement and an API key, which the hub's own
tests cover; here the land registry's request log shows what the mini-app sent (its consumer
id and the signed-in person's ``sub`` in the X-Road headers)."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from playwright.sync_api import Browser, Page, expect

from govhub.identity.models import Client, ClientSession, SignInSession
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM
from govhub_sandbox.land import create_app as create_land_registry
from govhub_sandbox.miniapp.app import create_app as create_miniapp
from govhub_sandbox.miniapp.config import Settings
from govhub_sandbox.serving import RunningApp, base_url, bind, start_in_thread, start_on_socket
from tests.support.polling import eventually

# Django refuses database access from inside Playwright's event loop unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HUB_CLIENT = "000.00.03.H12/tracuuthuadat"



@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 390, "height": 844})  # a phone
    yield context.new_page()
    context.close()


def off_the_loop(start: Callable[[], RunningApp]) -> RunningApp:
    """Playwright's sync API keeps an event loop running in this thread; a server's own
    loop must be started from another one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(start).result()


@pytest.fixture
def land_registry() -> Iterator[RunningApp]:
    with off_the_loop(lambda: start_in_thread(create_land_registry(), name="land")) as running:
        yield running


@dataclass
class MiniApp:
    url: str
    client: Client


@pytest.fixture
def miniapp(live_server: Any, settings: Any, tree: Any, land_registry: RunningApp,
            tmp_path: Path) -> Iterator[MiniApp]:
    issuer = str(live_server.url)
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": issuer}
    sock = bind("127.0.0.1", 0)  # the port must be known to register the redirect URI
    url = base_url(sock)
    client, secret = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Tra cứu thửa đất (ứng dụng con)",
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        skip_authorization=True,  # first-party: no consent page (as in the demo seed)
        allowed_scopes="openid profile", redirect_uris=f"{url}/callback",
        post_logout_redirect_uris=f"{url}/",
        backchannel_logout_uri=f"{url}/backchannel-logout")
    assert secret is not None
    key_file = tmp_path / "hub-key"
    key_file.write_text("test-hub-key")
    app = create_miniapp(Settings(
        issuer=issuer, client_id=client.client_id, client_secret=secret, public_url=url,
        gateway_url=land_registry.url, service_path="", hub_client=HUB_CLIENT,
        hub_key_file=key_file))
    with off_the_loop(lambda: start_on_socket(app, sock, name="miniapp")):
        yield MiniApp(url, client)


def sign_in_at_govhub(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/?next=/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page).to_have_url(f"{base}/")


def land_requests(land_registry: RunningApp) -> list[dict[str, Any]]:
    url = f"{land_registry.url}/_requests"  # http://127.0.0.1:…, started above
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        return list(json.load(response)["requests"])


def test_sign_in_once_open_the_miniapp_signed_in_and_sign_out_together(
        page: Page, live_server: Any, miniapp: MiniApp, land_registry: RunningApp,
        tree: Any, make_citizen: Any) -> None:
    base = str(live_server.url)
    citizen = make_citizen(tree.commune_a, username="congdan.dd", full_name="Trương Thị Dân",
                           password=PASSWORD)
    sign_in_at_govhub(page, base, "congdan.dd")
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))

    page.goto(f"{miniapp.url}/")
    expect(page).to_have_url(f"{miniapp.url}/")
    expect(page.locator("[data-person]")).to_have_text("Trương Thị Dân")
    # No second sign-in: govhub's authorization endpoint answered at once.
    assert not [url for url in visited if "/login/" in url], visited
    expect(page.locator("input[type=password]")).to_have_count(0)
    link = ClientSession.objects.get(client=miniapp.client)
    assert link.sign_in_session.account == citizen

    page.select_option("#commune", "32002")
    page.fill("#sheet", "12")
    page.click("[data-search] button[type=submit]")
    expect(page.locator("[data-results]")).to_have_attribute("data-results", "2")
    expect(page.locator("table")).to_contain_text("Số 12 đường Phan Ngọc Hiển")
    call = land_requests(land_registry)[0]
    assert call["path"] == "/parcels"
    assert "sheet=12" in call["query"]
    assert call["headers"]["X-Road-Client"] == HUB_CLIENT
    assert call["headers"]["X-Road-UserId"] == str(citizen.pk)  # the person's sub
    assert call["headers"]["X-Road-Issue"] == "TRACUU-DD"

    page.goto(f"{base}/")
    page.locator("header form[action$='/logout/'] button").click()
    page.wait_for_load_state()
    assert SignInSession.objects.get(pk=link.sign_in_session_id).ended_at is not None
    # The mini-app got the logout token: its session is gone, so it shows the person
    # signed out (govhub, asked silently, has nobody signed in either).
    def shows_signed_out() -> int:
        page.goto(f"{miniapp.url}/")
        return page.locator("[data-signed-out]").count()

    eventually(shows_signed_out, timeout_seconds=5, interval_seconds=0.2,
               wait=lambda seconds: page.wait_for_timeout(seconds * 1000),
               what="the mini-app shows the person signed out")
    expect(page.locator("[data-person]")).to_have_count(0)
    link.refresh_from_db()
    assert link.logout_delivered_at is not None
    assert link.logout_last_error == ""


def test_signing_out_of_the_miniapp_signs_out_of_govhub(
        page: Page, live_server: Any, miniapp: MiniApp, tree: Any, make_citizen: Any) -> None:
    base = str(live_server.url)
    make_citizen(tree.commune_a, username="congdan.rp", full_name="Lê Văn Ra",
                 password=PASSWORD)
    sign_in_at_govhub(page, base, "congdan.rp")
    page.goto(f"{miniapp.url}/")
    expect(page.locator("[data-person]")).to_have_text("Lê Văn Ra")
    link = ClientSession.objects.get(client=miniapp.client)

    page.locator("[data-signed-in] button").click()  # the mini-app's own "Đăng xuất"
    # RP-initiated logout: govhub ends its session and sends the browser back to the app,
    # which, asking silently, finds nobody signed in.
    expect(page.locator("[data-signed-out]")).to_be_visible()
    assert SignInSession.objects.get(pk=link.sign_in_session_id).ended_at is not None
    page.goto(f"{base}/login/?next=/")
    expect(page.locator("input[name=password]")).to_be_visible()
