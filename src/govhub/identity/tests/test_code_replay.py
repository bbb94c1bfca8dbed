"""A replayed authorization code is refused, and the tokens bought with it at its first use
stop working (RFC 6749 §4.1.2: the server SHOULD revoke them; RFC 9700 §4.5): whoever
replays it may be the one who stole it."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from typing import Any

import pytest
from django.test import Client as Browser

from govhub.identity.models import Client
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM
from govhub.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

REDIRECT = "https://mot-cua.camau.example/callback"
VERIFIER = "x" * 60


@pytest.fixture
def app(tree: Any) -> Client:
    client, _ = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Một cửa", client_type=Client.CLIENT_PUBLIC,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE, redirect_uris=REDIRECT,
        skip_authorization=True, allowed_scopes="openid profile")
    return client


def code_for(browser: Browser, app: Client) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(
        b"=").decode()
    response = browser.get("/o/authorize/?" + urllib.parse.urlencode({
        "client_id": app.client_id, "response_type": "code", "scope": "openid profile",
        "redirect_uri": REDIRECT, "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"}))
    return urllib.parse.parse_qs(urllib.parse.urlsplit(response["Location"]).query)["code"][0]


def exchange(browser: Browser, app: Client, code: str) -> Any:
    return browser.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app.client_id, "code_verifier": VERIFIER})


def userinfo(browser: Browser, access_token: str) -> int:
    return int(browser.get("/o/userinfo/",
                           HTTP_AUTHORIZATION=f"Bearer {access_token}").status_code)


def test_a_replayed_code_revokes_the_tokens_of_its_first_use(
        client: Browser, app: Client, tree: Any, make_citizen: Any) -> None:
    client.force_login(make_citizen(tree.commune_a))
    code = code_for(client, app)
    first = exchange(client, app, code)
    assert first.status_code == 200
    tokens = first.json()
    assert userinfo(client, tokens["access_token"]) == 200

    replay = exchange(client, app, code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"

    assert userinfo(client, tokens["access_token"]) == 401
    refreshed = client.post("/o/token/", {"grant_type": "refresh_token",
                                          "refresh_token": tokens["refresh_token"],
                                          "client_id": app.client_id})
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert AuditEntry.objects.filter(after__tokens_revoked="authorization code replayed",
                                     target_label__contains=app.name).exists()


def test_an_unknown_code_revokes_nothing(client: Browser, app: Client, tree: Any,
                                         make_citizen: Any) -> None:
    client.force_login(make_citizen(tree.commune_a))
    tokens = exchange(client, app, code_for(client, app)).json()
    assert exchange(client, app, "khong-phai-ma").json()["error"] == "invalid_grant"
    assert userinfo(client, tokens["access_token"]) == 200
