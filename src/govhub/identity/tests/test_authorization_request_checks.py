"""What the authorization endpoint answers before anyone has signed in: a request from an
unknown app, or to an address the app never registered, is refused on the spot (RFC 6749
§4.1.2.1) instead of after the person has typed a password; and ``prompt=none`` with
nobody signed in answers ``login_required`` (OpenID Connect Core §3.1.2.6), also for apps
that show a consent screen and after RP-initiated logout."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from typing import Any

import pytest
from django.test import Client as Browser

from govhub.identity.models import Client, SignInSession
from govhub.identity.sso.services import clients, consents
from govhub.kernel.actors import SYSTEM

pytestmark = pytest.mark.django_db

REDIRECT = "https://dich-vu-cong.camau.example/callback"
VERIFIER = "v" * 50


@pytest.fixture
def third_party(tree: Any) -> Client:
    client, _ = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Dịch vụ công xã",
        client_type=Client.CLIENT_PUBLIC, authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT, post_logout_redirect_uris=REDIRECT, skip_authorization=False,
        allowed_scopes="openid profile")
    return client


def authorize(browser: Browser, client_id: str, **extra: str) -> Any:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(
        b"=").decode()
    params = {"client_id": client_id, "response_type": "code", "scope": "openid profile",
              "redirect_uri": REDIRECT, "state": "s-1", "code_challenge": challenge,
              "code_challenge_method": "S256", **extra}
    params = {name: value for name, value in params.items() if value}  # "": left out
    return browser.get("/o/authorize/?" + urllib.parse.urlencode(params),
                       HTTP_ACCEPT_LANGUAGE="vi")


def answer(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 302, response.content[:300]
    location = urllib.parse.urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return urllib.parse.parse_qs(location.query)


def test_unknown_app_is_refused_before_the_sign_in_page(client: Browser) -> None:
    response = authorize(client, "khong-dang-ky")
    assert response.status_code == 400
    assert "Location" not in response
    page = response.content.decode()
    assert "Không thể chấp nhận yêu cầu đăng nhập này" in page
    assert 'name="password"' not in page


def test_unregistered_redirect_uri_is_refused_before_the_sign_in_page(
        client: Browser, third_party: Client) -> None:
    response = authorize(client, third_party.client_id,
                         redirect_uri="https://ke-gian.example/callback")
    assert response.status_code == 400
    assert "Location" not in response  # never to an address the app did not register
    assert "không thể chấp nhận" in response.content.decode().lower()


def test_a_valid_request_still_shows_the_sign_in_page(client: Browser,
                                                      third_party: Client) -> None:
    response = authorize(client, third_party.client_id)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/o/authorize/")


def test_other_errors_of_a_valid_app_still_go_back_to_it(client: Browser,
                                                         third_party: Client) -> None:
    response = authorize(client, third_party.client_id, code_challenge="")
    query = answer(response)  # RFC 7636 §4.4.1: a public client without PKCE
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["s-1"]


def test_prompt_none_with_nobody_signed_in_is_login_required(client: Browser,
                                                             third_party: Client) -> None:
    query = answer(authorize(client, third_party.client_id, prompt="none"))
    assert query["error"] == ["login_required"]
    assert query["state"] == ["s-1"]


def test_prompt_none_after_rp_initiated_logout_is_login_required(
        client: Browser, third_party: Client, tree: Any, make_citizen: Any) -> None:
    citizen = make_citizen(tree.commune_a)
    client.force_login(citizen)
    consents.record_consent(actor=citizen, client=third_party,
                                     scopes=["openid", "profile"])
    code = answer(authorize(client, third_party.client_id, prompt="none"))["code"][0]
    tokens = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": third_party.client_id, "code_verifier": VERIFIER}).json()

    logout = client.get("/o/logout/?" + urllib.parse.urlencode({
        "id_token_hint": tokens["id_token"], "client_id": third_party.client_id,
        "post_logout_redirect_uri": REDIRECT, "state": "bye"}))
    assert logout.status_code == 302
    assert not SignInSession.objects.filter(account=citizen, ended_at__isnull=True).exists()

    query = answer(authorize(client, third_party.client_id, prompt="none"))
    assert query["error"] == ["login_required"]
