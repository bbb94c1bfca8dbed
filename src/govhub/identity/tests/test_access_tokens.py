"""Systems get RFC 9068 JWT access tokens the integration hub's gateways verify offline;
checked here with joserfc (an independent JOSE implementation) against the published JWKS."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client as Browser
from joserfc import jwt
from joserfc.jwk import KeySet

from govhub.identity import services
from govhub.identity.models import Client
from govhub.kernel.actors import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def machine(tree: Any) -> tuple[Client, str]:
    client, secret = services.register_client(
        actor=SYSTEM, agency=tree.department, name="Hệ thống một cửa",
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS)
    assert secret is not None
    return client, secret


def token_for(browser: Browser, client_id: str, secret: str) -> dict[str, Any]:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = browser.post("/o/token/", {"grant_type": "client_credentials"},
                            HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_client_credentials_token_is_a_jwt_verified_by_the_published_keys(
        client: Browser, machine: tuple[Client, str], settings: Any) -> None:
    app, secret = machine
    issued = token_for(client, app.client_id, secret)
    keys = KeySet.import_key_set(client.get("/o/.well-known/jwks.json").json())

    token = jwt.decode(issued["access_token"], keys, algorithms=["RS256"])

    assert token.header["typ"] == "at+jwt"  # RFC 9068 §2.1
    assert token.claims["iss"] == settings.GOVHUB_PUBLIC_URL
    assert token.claims["aud"] == "govhub-gateway"
    assert token.claims["client_id"] == token.claims["sub"] == app.client_id
    assert token.claims["exp"] - token.claims["iat"] == issued["expires_in"]
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": settings.GOVHUB_PUBLIC_URL},
                          aud={"essential": True, "value": "govhub-gateway"}).validate(
        token.claims)


def test_a_jwt_access_token_is_still_introspected_and_revoked(
        client: Browser, machine: tuple[Client, str]) -> None:
    app, secret = machine
    token = token_for(client, app.client_id, secret)["access_token"]
    credentials = base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
    auth = f"Basic {credentials}"

    assert client.post("/o/introspect/", {"token": token},
                       HTTP_AUTHORIZATION=auth).json()["active"] is True
    client.post("/o/revoke_token/", {"token": token}, HTTP_AUTHORIZATION=auth)
    assert client.post("/o/introspect/", {"token": token},
                       HTTP_AUTHORIZATION=auth).json()["active"] is False


def test_two_tokens_differ(client: Browser, machine: tuple[Client, str]) -> None:
    app, secret = machine
    first = token_for(client, app.client_id, secret)["access_token"]
    second = token_for(client, app.client_id, secret)["access_token"]
    assert first != second  # jti: tokens are unique, so their checksums never collide
