"""Which pages may send a posted form on to an app (CSP ``form-action``): every sign-in
page of an authorization request names that app's registered redirect URIs — and no other
app's; pages that lead to no app keep ``'self'`` alone. The real-browser consequence is in
test_sign_in_browser.py."""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

import pytest
from conftest import PASSWORD
from django.test import Client as Browser

from govhub.identity.models import Client
from govhub.identity.people import roles
from govhub.identity.phone.views import PENDING_KEY, VERIFIED_KEY
from govhub.identity.sso.services import clients
from govhub.identity.tests.factor_fixtures import password_step, with_app
from govhub.kernel.actors import SYSTEM

pytestmark = pytest.mark.django_db

APP = "https://dat-dai.camau.example/callback"
APP_TOO = "https://dat-dai.camau.example:8443/v2;x/callback"
OTHER_APP = "https://other.camau.example/cb"


def register(tree: Any, name: str, redirect_uris: str, *, first_party: bool) -> Client:
    client, _ = clients.register_client(
        actor=SYSTEM, agency=tree.province, name=name, client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE, redirect_uris=redirect_uris,
        skip_authorization=first_party)
    return client


@pytest.fixture
def app(tree: Any) -> Client:
    register(tree, "Another app", OTHER_APP, first_party=True)
    return register(tree, "Tra cứu đất đai", f"{APP} {APP_TOO}", first_party=False)


def authorize_path(client: Client, redirect_uri: str = APP) -> str:
    return "/o/authorize/?" + urllib.parse.urlencode({
        "client_id": client.client_id, "response_type": "code", "scope": "openid",
        "redirect_uri": redirect_uri, "state": "s"})


def form_action(response: Any) -> list[str]:
    policy = response["Content-Security-Policy"]
    for directive in policy.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name == "form-action":
            return value.split()
    raise AssertionError(policy)


APP_SOURCES = ["'self'", APP, "https://dat-dai.camau.example:8443/v2%3Bx/callback"]


def test_password_page_of_an_authorization_request_names_that_apps_redirect_uris(
        client: Browser, app: Client) -> None:
    response = client.get("/login/?" + urllib.parse.urlencode({"next": authorize_path(app)}))
    assert response.status_code == 200
    assert form_action(response) == APP_SOURCES


def test_password_page_shown_again_after_a_wrong_password_keeps_them(
        client: Browser, app: Client, tree: Any, make_citizen: Any) -> None:
    make_citizen(tree.commune_a, username="congdan.fa", password=PASSWORD)
    response = client.post("/login/", {"username": "congdan.fa", "password": "sai",
                                       "next": authorize_path(app)})
    assert response.status_code == 200
    assert form_action(response) == APP_SOURCES


@pytest.mark.parametrize("next_url", [
    None, "/account/security/",
    # a redirect URI the app never registered: the request will be refused, so no target
    "/o/authorize/?client_id={client_id}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
    "/o/authorize/?client_id=unknown&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
    "https://evil.example/o/authorize/?client_id={client_id}&redirect_uri=" + APP,
])
def test_pages_leading_to_no_registered_app_keep_self_alone(
        client: Browser, app: Client, next_url: str | None) -> None:
    query = "" if next_url is None else "?" + urllib.parse.urlencode(
        {"next": next_url.format(client_id=app.client_id)})
    response = client.get("/login/" + query)
    assert form_action(response) == ["'self'"]


def test_consent_page_names_the_app_it_answers(client: Browser, app: Client, tree: Any,
                                               make_citizen: Any) -> None:
    client.force_login(make_citizen(tree.commune_a))
    response = client.get(authorize_path(app, APP_TOO))
    assert response.status_code == 200
    assert "allow" in response.content.decode()
    assert form_action(response) == APP_SOURCES


def test_second_factor_page_names_the_app_the_sign_in_is_for(
        client: Browser, app: Client, tree: Any, make_official: Any) -> None:
    official = make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.fa")
    with_app(official)
    step = password_step(client, "quantri.fa", next_url=authorize_path(app))
    assert step["Location"] == "/login/second-factor/"
    response = client.get("/login/second-factor/")
    assert response.status_code == 200
    assert form_action(response) == APP_SOURCES
    wrong = client.post("/login/second-factor/code/", {"code": "000000"})
    assert wrong.status_code == 400
    assert form_action(wrong) == APP_SOURCES


def test_phone_code_page_names_the_app_the_sign_in_is_for(client: Browser,
                                                           app: Client) -> None:
    session = client.session
    session[PENDING_KEY] = {"phone": "0912345678", "next": authorize_path(app)}
    session.save()
    response = client.get("/login/phone/code/")
    assert response.status_code == 200
    assert form_action(response) == APP_SOURCES


def test_phone_registration_page_names_the_app_the_sign_in_is_for(client: Browser,
                                                                   app: Client) -> None:
    session = client.session
    session[VERIFIED_KEY] = {"phone": "0912345679", "verified_at": time.time(),
                             "next": authorize_path(app)}
    session.save()
    response = client.get("/login/phone/register/")
    assert response.status_code == 200
    assert form_action(response) == APP_SOURCES
