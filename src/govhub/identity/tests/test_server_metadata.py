"""Authorization server metadata (RFC 8414) next to OpenID Connect Discovery, both checked
with Authlib's validators, and the RFC 9207 ``iss`` parameter on every authorization
response — codes and errors alike — equal to the published issuer (the client's check,
RFC 9207 §2.4)."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from typing import Any

import pytest
from authlib.oauth2 import rfc8414, rfc9207
from authlib.oidc.discovery import OpenIDProviderMetadata
from django.test import Client as Browser

from govhub.identity.models import Client
from govhub.identity.sso.services import clients, consents
from govhub.kernel.actors import SYSTEM

pytestmark = pytest.mark.django_db

ISSUER = "https://sso.camau.example"
REDIRECT = "https://hanh-chinh.camau.example/callback"
VERIFIER = "m" * 50


@pytest.fixture(autouse=True)
def issuer(settings: Any) -> None:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": ISSUER}


@pytest.fixture
def app(tree: Any) -> Client:
    client, _ = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Hành chính công",
        client_type=Client.CLIENT_PUBLIC, authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT, skip_authorization=False, allowed_scopes="openid profile")
    return client


def test_rfc8414_metadata_is_served_at_the_root_and_valid(client: Browser) -> None:
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    metadata = rfc8414.AuthorizationServerMetadata(response.json())
    metadata.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])
    # RFC 8414 §3.3: the issuer is the one whose well-known URI was asked.
    assert metadata["issuer"] == ISSUER
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["response_modes_supported"] == ["query", "fragment"]
    assert metadata["revocation_endpoint"] == f"{ISSUER}/o/revoke_token/"
    assert set(metadata["revocation_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post", "none"}
    assert metadata["introspection_endpoint"] == f"{ISSUER}/o/introspect/"
    assert set(metadata["introspection_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post"}
    assert metadata["service_documentation"] == f"{ISSUER}/api/docs"
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token",
                                                 "client_credentials"]
    assert metadata["response_types_supported"] == ["code"]


def test_openid_discovery_says_the_same(client: Browser) -> None:
    oidc = client.get("/.well-known/openid-configuration").json()
    OpenIDProviderMetadata(oidc).validate(
        metadata_classes=[rfc9207.AuthorizationServerMetadata])
    oauth = client.get("/.well-known/oauth-authorization-server").json()
    for key, value in oauth.items():
        assert oidc[key] == value, key


def authorize(browser: Browser, app: Client, **extra: str) -> dict[str, list[str]]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(
        b"=").decode()
    response = browser.get("/o/authorize/?" + urllib.parse.urlencode({
        "client_id": app.client_id, "response_type": "code", "scope": "openid profile",
        "redirect_uri": REDIRECT, "state": "st", "code_challenge": challenge,
        "code_challenge_method": "S256", **extra}))
    assert response.status_code == 302, response.content[:300]
    parts = urllib.parse.urlsplit(response["Location"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT
    carried = parts.fragment if extra.get("response_mode") == "fragment" else parts.query
    return urllib.parse.parse_qs(carried)


def published_issuer(browser: Browser) -> str:
    metadata = browser.get("/.well-known/oauth-authorization-server").json()
    assert metadata["authorization_response_iss_parameter_supported"] is True
    return str(metadata["issuer"])


def test_every_authorization_response_names_the_issuer(client: Browser, app: Client,
                                                       tree: Any, make_citizen: Any) -> None:
    issuer = published_issuer(client)
    # An error before anyone signed in (OIDC Core §3.1.2.6) …
    silent = authorize(client, app, prompt="none")
    assert silent["error"] == ["login_required"]
    assert silent["iss"] == [issuer]
    # … the person refusing on the consent page …
    citizen = make_citizen(tree.commune_a)
    client.force_login(citizen)
    page = client.get("/o/authorize/?" + urllib.parse.urlencode({
        "client_id": app.client_id, "response_type": "code", "scope": "openid profile",
        "redirect_uri": REDIRECT, "state": "st", "code_challenge": "c" * 43,
        "code_challenge_method": "S256"}))
    form = {name: value for name, value in page.context["form"].initial.items() if value}
    refused = client.post(page.wsgi_request.get_full_path(), form)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(refused["Location"]).query)
    assert query["error"] == ["access_denied"]
    assert query["iss"] == [issuer]
    # … and a code, in the query or in the fragment.
    consents.record_consent(actor=citizen, client=app, scopes=["openid", "profile"])
    code = authorize(client, app)
    assert code["code"]
    assert code["iss"] == [issuer]
    in_fragment = authorize(client, app, response_mode="fragment")
    assert in_fragment["code"]
    assert in_fragment["iss"] == [issuer]


def test_the_advertised_client_authentication_methods_work(
        client: Browser, app: Client, tree: Any, make_citizen: Any) -> None:
    """What discovery promises at the revocation and introspection endpoints: a public
    client revokes with its client_id alone ("none"); a confidential one introspects with
    its secret in the body ("client_secret_post")."""
    machine, secret = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Hệ thống một cửa",
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS)
    assert secret is not None
    body = {"client_id": machine.client_id, "client_secret": secret}
    token = client.post("/o/token/", {"grant_type": "client_credentials", **body}).json()
    answer = client.post("/o/introspect/", {"token": token["access_token"], **body})
    assert answer.json()["active"] is True

    citizen = make_citizen(tree.commune_a)
    client.force_login(citizen)
    consents.record_consent(actor=citizen, client=app, scopes=["openid", "profile"])
    code = authorize(client, app)["code"][0]
    tokens = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app.client_id, "code_verifier": VERIFIER}).json()
    bearer = f"Bearer {tokens['access_token']}"
    assert client.get("/o/userinfo/", HTTP_AUTHORIZATION=bearer).status_code == 200
    revoked = client.post("/o/revoke_token/", {"token": tokens["access_token"],
                                               "client_id": app.client_id})
    assert revoked.status_code == 200
    assert client.get("/o/userinfo/", HTTP_AUTHORIZATION=bearer).status_code == 401
