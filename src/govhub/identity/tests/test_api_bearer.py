"""govhub's own API with an OAuth 2 bearer access token (RFC 6750) obtained through single
sign-on with the ``api`` scope: the call has the person's roles, no CSRF token is needed, and
the token stops working when it is revoked or lacks the scope."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client as Browser

from govhub.identity.models import Client
from govhub.identity.people import roles
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM
from tests.support.api_tokens import app, token_through_sign_in

pytestmark = pytest.mark.django_db
@pytest.fixture
def official(tree: Any, make_official: Any) -> Any:
    return make_official(tree.commune_a, roles.AGENCY_ADMIN, "quantri.anxuyen")


def test_an_app_calls_the_api_as_the_person_who_signed_in(
        client: Browser, tree: Any, official: Any) -> None:
    client.force_login(official)
    token = token_through_sign_in(client, app(tree, "openid api"), "openid api")

    # No cookie, no CSRF token: only the bearer token.
    fresh = Browser(enforce_csrf_checks=True)
    me = fresh.get("/api/identity/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200, me.content
    assert me.json()["username"] == "quantri.anxuyen"
    assert roles.MANAGE_ACCOUNT in me.json()["permissions"]  # the person's roles, no more
    # What the person may see, and no more: their commune's accounts, not commune B's.
    listed = fresh.get("/api/identity/accounts", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listed.status_code == 200


def test_a_token_without_the_api_scope_opens_nothing(
        client: Browser, tree: Any, official: Any) -> None:
    client.force_login(official)
    token = token_through_sign_in(client, app(tree, "openid profile"), "openid profile")
    answer = Browser().get("/api/identity/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"


def test_a_revoked_token_stops_at_once(client: Browser, tree: Any, official: Any) -> None:
    client.force_login(official)
    api_app = app(tree, "openid api")
    token = token_through_sign_in(client, api_app, "openid api")
    assert Browser().get("/api/identity/me",
                         HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    client.post("/o/revoke_token/", {"token": token, "client_id": api_app.client_id})
    assert Browser().get("/api/identity/me",
                         HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_a_systems_token_names_no_person_and_opens_nothing(tree: Any) -> None:
    machine, secret = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Hệ thống", allowed_scopes="openid api",
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS)
    basic = base64.b64encode(f"{machine.client_id}:{secret}".encode()).decode()
    issued = Browser().post("/o/token/", {"grant_type": "client_credentials", "scope": "api"},
                            HTTP_AUTHORIZATION=f"Basic {basic}")
    assert issued.status_code == 200, issued.content
    answer = Browser().get("/api/identity/me",
                           HTTP_AUTHORIZATION=f"Bearer {issued.json()['access_token']}")
    assert answer.status_code == 401
