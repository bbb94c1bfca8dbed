"""govhub's OpenID Connect provider, driven by an independent, OpenID-certified relying
party library (pyoidc, package ``oic``) against a live server: discovery, code + PKCE login,
ID token signature and claims, userinfo, refresh with rotation, replay detection, and
RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from conftest import PASSWORD
from oic.oic import Client as RelyingParty
from oic.oic.message import AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from govhub.identity.models import Client, SignInSession
from govhub.identity.people import roles
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)
REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: the test reads the Location
AFTER_LOGOUT = "http://127.0.0.1:9/signed-out"


@dataclass
class Provider:
    issuer: str
    official: Any
    confidential: Client
    secret: str
    public: Client


@pytest.fixture
def provider(live_server: Any, settings: Any, tree: Any, make_official: Any) -> Provider:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    official = make_official(tree.commune_a, roles.REPORT_HANDLER, username="canbo.oidc")
    common = {"redirect_uris": REDIRECT, "post_logout_redirect_uris": AFTER_LOGOUT,
              "authorization_grant_type": Client.GRANT_AUTHORIZATION_CODE,
              "skip_authorization": True, "allowed_scopes": "openid profile agency"}
    confidential, secret = clients.register_client(
        actor=SYSTEM, agency=tree.commune_a, name="Ứng dụng tra cứu thửa đất",
        client_type=Client.CLIENT_CONFIDENTIAL, **common)
    public, _ = clients.register_client(
        actor=SYSTEM, agency=tree.province, name="Ứng dụng Chính quyền số",
        client_type=Client.CLIENT_PUBLIC, **common)
    assert secret is not None
    return Provider(live_server.url, official, confidential, secret, public)


def relying_party(provider: Provider, client: Client, secret: str | None) -> RelyingParty:
    rp = RelyingParty(client_authn_method=CLIENT_AUTHN_METHOD)
    rp.provider_config(provider.issuer)  # discovery + JWKS, as any RP configures itself
    info = {"client_id": client.client_id, "redirect_uris": [REDIRECT],
            "post_logout_redirect_uris": [AFTER_LOGOUT]}
    if secret:
        info["client_secret"] = secret
    rp.store_registration_info(RegistrationResponse(**info))
    return rp


def follow_until_callback(user_agent: requests.Session, url: str, username: str) -> str:
    """Acts as the user's user_agent: follows redirects, signs in when asked, and returns the
    URL the provider finally sends back to the relying party."""
    for _ in range(10):
        response = user_agent.get(url, allow_redirects=False)
        if response.status_code in (301, 302, 303):
            url = urllib.parse.urljoin(url, response.headers["Location"])
            if url.startswith("http://127.0.0.1:9/"):
                return url
            continue
        assert response.status_code == 200, response.text[:500]
        assert 'name="password"' in response.text, "expected the sign-in page"
        response = user_agent.post(url, data={
            "username": username, "password": PASSWORD,
            "csrfmiddlewaretoken": user_agent.cookies["csrftoken"],
            "next": urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["next"][0],
        }, headers={"Referer": url}, allow_redirects=False)
        assert response.status_code == 302, response.text[:500]
        url = urllib.parse.urljoin(url, response.headers["Location"])
    raise AssertionError("too many redirects")


def sign_in(rp: RelyingParty, user_agent: requests.Session, username: str,
            scope: str = "openid profile agency") -> tuple[str, str]:
    state, nonce = "s-" + rp.client_id[:8], "n-" + rp.client_id[-8:]
    pkce, verifier = rp.add_code_challenge()
    request = rp.construct_AuthorizationRequest(request_args={
        "response_type": "code", "scope": scope, "state": state, "nonce": nonce,
        "redirect_uri": REDIRECT, **pkce})
    callback = follow_until_callback(user_agent, request.request(rp.authorization_endpoint),
                                     username)
    answer = rp.parse_response(AuthorizationResponse,
                               info=urllib.parse.urlparse(callback).query,
                               sformat="urlencoded")
    assert answer["state"] == state
    return state, verifier


@pytest.fixture
def user_agent() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_code_flow_with_pkce_id_token_and_userinfo(provider: Provider,
                                                    user_agent: requests.Session) -> None:
    rp = relying_party(provider, provider.confidential, provider.secret)
    assert rp.provider_info["issuer"] == provider.issuer
    state, verifier = sign_in(rp, user_agent, "canbo.oidc")
    tokens = rp.do_access_token_request(
        state=state, request_args={"code_verifier": verifier, "redirect_uri": REDIRECT},
        authn_method="client_secret_basic")
    # oic has verified the signature against our JWKS, iss, aud, exp and the nonce.
    id_token = tokens["id_token"]
    assert id_token["iss"] == provider.issuer
    assert id_token["aud"] == [provider.confidential.client_id]
    assert id_token["sub"] == str(provider.official.pk)
    assert id_token["acr"] == "urn:govhub:loa:1"
    assert id_token["amr"] == ["pwd"]
    session = SignInSession.objects.get(sid=id_token["sid"])
    assert session.account == provider.official
    assert id_token["auth_time"] == int(session.authenticated_at.timestamp())
    assert id_token["name"] == provider.official.full_name

    userinfo = rp.do_user_info_request(state=state)
    assert userinfo["sub"] == id_token["sub"]
    assert userinfo["agency"]["name"] == "Phường An Xuyên"
    assert userinfo["roles"][0]["role"] == roles.REPORT_HANDLER
    assert "phone_number" not in userinfo  # the phone scope was not granted


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(
    provider: Provider, user_agent: requests.Session
) -> None:
    rp = relying_party(provider, provider.confidential, provider.secret)
    state, verifier = sign_in(rp, user_agent, "canbo.oidc")
    first = rp.do_access_token_request(
        state=state, request_args={"code_verifier": verifier, "redirect_uri": REDIRECT},
        authn_method="client_secret_basic")
    refreshed = rp.do_access_token_refresh(state=state, authn_method="client_secret_basic")
    assert refreshed["refresh_token"] != first["refresh_token"]
    assert refreshed["id_token"]["sid"] == first["id_token"]["sid"]

    token_url = rp.provider_info["token_endpoint"]
    auth = (provider.confidential.client_id, provider.secret)
    replay = requests.post(token_url, auth=auth, timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # RFC 9700 §4.14.2: the replay revokes the whole family, the legitimate token too.
    after = requests.post(token_url, auth=auth, timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]})
    assert after.json()["error"] == "invalid_grant"


def test_public_client_signs_in_with_pkce_and_no_secret(provider: Provider,
                                                        user_agent: requests.Session) -> None:
    rp = relying_party(provider, provider.public, None)
    state, verifier = sign_in(rp, user_agent, "canbo.oidc", scope="openid")
    tokens = rp.do_access_token_request(
        state=state, authn_method="",
        request_args={"code_verifier": verifier, "redirect_uri": REDIRECT,
                      "client_id": provider.public.client_id})
    assert tokens["id_token"]["aud"] == [provider.public.client_id]
    assert "name" not in tokens["id_token"]  # profile was not asked for


def test_rp_initiated_logout_ends_the_session(provider: Provider,
                                              user_agent: requests.Session) -> None:
    rp = relying_party(provider, provider.confidential, provider.secret)
    state, verifier = sign_in(rp, user_agent, "canbo.oidc")
    tokens = rp.do_access_token_request(
        state=state, request_args={"code_verifier": verifier, "redirect_uri": REDIRECT},
        authn_method="client_secret_basic")
    logout = rp.construct_EndSessionRequest(state=state, request_args={
        "post_logout_redirect_uri": AFTER_LOGOUT, "state": "bye"})
    response = user_agent.get(logout.request(rp.provider_info["end_session_endpoint"]),
                           allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(AFTER_LOGOUT)
    session = SignInSession.objects.get(sid=tokens["id_token"]["sid"])
    assert session.ended_at is not None
    # The user_agent is signed out of govhub: the next authorization asks for a password.
    again = rp.construct_AuthorizationRequest(request_args={
        "response_type": "code", "scope": "openid", "state": "x", "nonce": "y",
        "redirect_uri": REDIRECT, **rp.add_code_challenge()[0]})
    page = user_agent.get(again.request(rp.authorization_endpoint))
    assert 'name="password"' in page.text
