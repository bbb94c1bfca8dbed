"""The citizen app signs in as an OpenID Connect client of govhub's own provider (ADR
0015): code flow with PKCE through /o/authorize/, the code exchanged server-side, the ID token
verified. Driven over real HTTP against the live server, as a browser would, with the
`requests` session keeping cookies and following redirects."""

from __future__ import annotations

import html
import re
import urllib.parse
from typing import Any

import pytest
import requests
from conftest import PASSWORD
from django.test import Client as Browser

from govhub.identity.models import Client
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM
from govhub.portal.app_sign_in import SIGNED_IN_KEY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app_client(live_server: Any, tree: Any, settings: Any) -> Client:
    # The live server is the provider: its URL is the issuer, as GOVHUB_PUBLIC_URL makes it.
    settings.GOVHUB_PUBLIC_URL = live_server.url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    client, _ = clients.register_client(
        actor=SYSTEM, agency=tree.province, name="Chính quyền số Cà Mau",
        client_type=Client.CLIENT_PUBLIC, authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"{live_server.url}/app/callback", skip_authorization=True,
        allowed_scopes="openid profile phone commune")
    settings.GOVHUB_APP_CLIENT_ID = client.client_id
    return client


def hidden_fields(page: str) -> dict[str, str]:
    """The sign-in form's hidden inputs (the CSRF token, ``next``), as a browser sends them."""
    form = page[page.index('<form method="post" novalidate>'):]
    form = form[:form.index("</form>")]
    return {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}


def test_the_app_signs_in_through_the_provider_with_pkce(
        live_server: Any, tree: Any, app_client: Client, make_citizen: Any) -> None:
    make_citizen(tree.commune_a, username="congdan.mai", password=PASSWORD)
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/app/login/?next=/offline/", timeout=10)
    # The app sent the browser to the provider, which asks who is signing in.
    assert "/login/" in page.url
    authorize = urllib.parse.parse_qs(urllib.parse.urlsplit(
        urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["next"][0]).query)
    assert authorize["code_challenge_method"] == ["S256"]
    assert authorize["client_id"] == [app_client.client_id]
    assert "acr_values" not in authorize  # a citizen signs in as the provider offers

    fields = {**hidden_fields(page.text), "username": "congdan.mai", "password": PASSWORD}
    landed = browser.post(page.url, data=fields, headers={"Referer": page.url}, timeout=10)
    assert landed.status_code == 200
    assert urllib.parse.urlsplit(landed.url).path == "/offline/"  # back where they were
    assert any(r.url.startswith(f"{live_server.url}/app/callback") for r in landed.history)
    # The code was exchanged for tokens by the app's server side: the provider issued them.
    assert app_client.accesstoken_set.count() == 1


def test_officials_mode_asks_the_provider_for_the_second_factor(
        live_server: Any, app_client: Client) -> None:
    answer = requests.get(f"{live_server.url}/app/login/?mode=official", timeout=10,
                          allow_redirects=False)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["Location"]).query)
    assert query["acr_values"] == ["urn:govhub:loa:2"]


def test_a_callback_that_was_not_started_here_is_refused_in_vietnamese(
        client: Browser, app_client: Client) -> None:
    answer = client.get("/app/callback?code=forged&state=forged")
    assert answer.status_code == 400
    assert "Đăng nhập lại" in answer.content.decode() or "đăng nhập" in answer.content.decode()
    assert SIGNED_IN_KEY not in client.session


def test_without_its_client_the_app_uses_the_sign_in_page(client: Browser,
                                                            settings: Any) -> None:
    settings.GOVHUB_APP_CLIENT_ID = None
    answer = client.get("/app/login/?next=/apps/")
    assert answer["Location"] == "/login/?next=%2Fapps%2F"


def test_a_callback_is_used_once(live_server: Any, tree: Any, app_client: Client,
                                 make_citizen: Any) -> None:
    make_citizen(tree.commune_a, username="congdan.lan", password=PASSWORD)
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/app/login/?next=/offline/", timeout=10)
    fields = {**hidden_fields(page.text), "username": "congdan.lan", "password": PASSWORD}
    landed = browser.post(page.url, data=fields, headers={"Referer": page.url}, timeout=10)
    [callback] = [r.url for r in landed.history if "/app/callback" in r.url]
    # The same state and code again (a replayed or leaked redirect): refused, not a sign-in.
    again = browser.get(callback, timeout=10, allow_redirects=False)
    assert again.status_code == 400
    assert app_client.accesstoken_set.count() == 1
