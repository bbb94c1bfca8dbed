"""The administration operations of /api/ answer 403 to accounts that may not use the admin
(a citizen, an official without a role), whether they come with the browser's session or with
a bearer token; their own /me still answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.test import override_settings

from govhub.identity.people import roles
from govhub_contracts.problem import MEDIA_TYPE
from tests.support.api_tokens import app, token_through_sign_in

ADMIN_LISTS = ["/api/identity/agencies", "/api/identity/accounts", "/api/identity/roles",
               "/api/identity/role-assignments", "/api/audit/entries",
               "/api/integration/services", "/api/integration/systems",
               "/api/integration/agreements"]


def _refused(response: Any) -> None:
    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith(MEDIA_TYPE)
    body = json.loads(response.content)
    assert body["type"].endswith("/problems/permission-denied")
    assert "permissions" not in response.content.decode()


@pytest.fixture(params=["citizen", "official-without-role"])
def outsider(request: Any, tree: Any, make_citizen: Any, make_official: Any) -> Any:
    if request.param == "citizen":
        return make_citizen(tree.commune_a)
    return make_official(tree.commune_a)


def test_outsider_with_a_session_is_refused_the_admin_lists(client: Browser, tree: Any,
                                                            outsider: Any) -> None:
    client.force_login(outsider)
    for path in ADMIN_LISTS:
        _refused(client.get(path))
    _refused(client.get(f"/api/identity/agencies/{tree.commune_a.pk}"))
    me = client.get("/api/identity/me")
    assert me.status_code == 200
    assert me.json()["permissions"] == []


def test_outsider_with_a_bearer_token_is_refused_the_admin_lists(client: Browser, tree: Any,
                                                                 outsider: Any) -> None:
    client.force_login(outsider)
    token = token_through_sign_in(client, app(tree, "openid api"), "openid api")
    bearer = Browser(enforce_csrf_checks=True)
    for path in ADMIN_LISTS:
        _refused(bearer.get(path, HTTP_AUTHORIZATION=f"Bearer {token}"))
    assert bearer.get("/api/identity/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_an_official_with_a_role_still_reads_them(client: Browser, tree: Any,
                                                  make_official: Any) -> None:
    client.force_login(make_official(tree.commune_a, roles.LEADER))
    for path in ADMIN_LISTS:
        assert client.get(path).status_code == 200, path


def test_refusals_count_against_the_accounts_rate(client: Browser, tree: Any,
                                                  make_citizen: Any) -> None:
    client.force_login(make_citizen(tree.commune_a))
    cache.clear()
    with override_settings(GOVHUB_API_RATES={"anonymous": "100/min", "authenticated": "2/min"}):
        for _ in range(2):
            _refused(client.get("/api/identity/accounts"))
        response = client.get("/api/identity/accounts")
    cache.clear()
    assert response.status_code == 429, response.content
    assert 1 <= int(response["Retry-After"]) <= 60
