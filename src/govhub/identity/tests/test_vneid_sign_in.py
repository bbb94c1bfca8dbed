"""Sign-in with VNeID, end to end against the real sandbox VNeID provider on 127.0.0.1
(govhub_sandbox.vneid, an OpenID Connect provider on a real socket): the Django test client
is the citizen's browser on govhub, a requests session the same browser on VNeID's pages.
Covered: linking by personal identification number, assurance levels, the upstream's
failures, the nonce, and the acr govhub then hands its own apps."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import socket
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.test import Client as Browser
from jwcrypto import jwk, jwt
from oic.exception import PyoidcError
from oic.oic.message import IdToken

from govhub.identity.federation.vneid import FederationError, check_audience
from govhub.identity.models import Account, Client, SignInSession
from govhub.identity.people import personal_id
from govhub.identity.queries import find_account_by_personal_id
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM
from govhub.kernel.models import AuditEntry
from govhub_sandbox.vneid import RegisteredClient, SandboxConfig
from govhub_sandbox.vneid.provider import PROVIDER
from govhub_sandbox.vneid.server import RunningProvider, start_in_thread
from govhub_sandbox.vneid.tokens import SigningKey
from tests.support.backchannel import LOGOUT_EVENT, LogoutReceiver, register, use_app

CLIENT_ID = "govhub-test"
CLIENT_SECRET = "govhub-test-secret"
# The Django test client's host: govhub builds its callback from the request.
CALLBACK = "http://testserver/login/vneid/callback/"
HUNG = "096085000101"  # Nguyễn Văn Hùng, level 2, phone 0900000101 (sandbox test citizens)
PHUC = "096203000103"  # Lê Hoàng Phúc, level 1, no phone
APP_REDIRECT = "https://dat-dai.camau.example/callback"
# As settings.GOVHUB_VNEID has them by default (govhub.config.environment).
CLAIMS = {"personal_id": "SoDinhDanh", "full_name": "HoVaTen", "birth_date": "NgaySinh",
          "phone": "SoDienThoai", "level": "level"}
LEVELS = {"vneid:level1": 1, "vneid:level2": 2, "1": 1, "2": 2}
ACR_VALUES = ["vneid:level2", "vneid:level1"]  # GOVHUB_VNEID_ACR_VALUES's default for LEVELS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningProvider]:
    config = SandboxConfig(clients=(RegisteredClient(
        CLIENT_ID, CLIENT_SECRET, (CALLBACK,), (), "govhub (kiểm thử)"),), require_pkce=True)
    with start_in_thread(config) as running:
        yield running


def vneid_settings(discovery_url: str, **overrides: Any) -> dict[str, Any]:
    return {"discovery_url": discovery_url, "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "scopes": "openid profile vneid",
            "token_auth_method": "client_secret_basic", "redirect_uri": None,
            "claims": CLAIMS, "levels": LEVELS, "acr_values": ACR_VALUES,
            "timeout_seconds": 5.0, **overrides}


@pytest.fixture
def vneid(sandbox: RunningProvider, settings: Any) -> Iterator[RunningProvider]:
    settings.GOVHUB_VNEID = vneid_settings(f"{sandbox.issuer}/.well-known/openid-configuration")
    yield sandbox
    requests.delete(f"{sandbox.issuer}/_sandbox/faults", timeout=5).raise_for_status()


def fault(provider: RunningProvider, faults: dict[str, Any]) -> None:
    requests.post(f"{provider.issuer}/_sandbox/faults", json=faults,
                  timeout=5).raise_for_status()


def start(browser: Browser, next_url: str | None = None) -> str:
    """The citizen presses "Sign in with VNeID": the URL of VNeID's login page."""
    response = browser.get("/login/vneid/", {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content
    return str(response["Location"])


def vneid_page(authorize_url: str, action: str = "login", citizen: str = HUNG) -> str:
    """On VNeID's page, pick a test citizen (or refuse): the callback URL VNeID redirects to."""
    browser = requests.Session()
    page = browser.get(authorize_url, allow_redirects=False, timeout=5)
    assert page.status_code == 200, page.text
    match = re.search(r'name="tx" value="([^"]+)"', page.text)
    assert match, page.text
    issuer = authorize_url.split("/authorize")[0]
    answer = browser.post(f"{issuer}/authorize", data={
        "tx": match.group(1), "action": action, "citizen": citizen},
        allow_redirects=False, timeout=5)
    assert answer.status_code == 303, answer.text
    location = answer.headers["Location"]
    assert location.split("?")[0] == CALLBACK
    return location


def callback(browser: Browser, url: str) -> Any:
    parts = urllib.parse.urlsplit(url)
    return browser.get(f"{parts.path}?{parts.query}")


def with_query(url: str, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update(changes)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def sign_in(browser: Browser, citizen: str = HUNG, next_url: str | None = None) -> Any:
    return callback(browser, vneid_page(start(browser, next_url), citizen=citizen))


def signed_in_account(browser: Browser) -> Account | None:
    user_id = browser.session.get("_auth_user_id")
    return Account.objects.get(pk=user_id) if user_id else None


def assert_error_page(response: Any, reason: str, status: int) -> None:
    """The error page, in Vietnamese, with a "try again" link, and nobody signed in."""
    assert response.status_code == status, response.content
    html = response.content.decode()
    assert f'data-vneid-error="{reason}"' in html
    assert '<html lang="vi">' in html
    assert 'href="/login/vneid/' in html
    assert response.wsgi_request.user.is_anonymous


# --- Configuration ------------------------------------------------------------------------

def test_button_and_routes_only_when_configured(client: Browser, settings: Any) -> None:
    settings.GOVHUB_VNEID = None
    assert 'href="/login/vneid/' not in client.get("/login/").content.decode()
    for path in ("/login/vneid/", "/login/vneid/callback/?code=x&state=y"):
        response = client.get(path)
        assert response.status_code == 503
        assert 'data-vneid-error="not_configured"' in response.content.decode()

    settings.GOVHUB_VNEID = vneid_settings("http://127.0.0.1:9/.well-known/openid-configuration")
    page = client.get("/login/?next=/admin/").content.decode()
    assert 'href="/login/vneid/?next=%2Fadmin%2F"' in page


def test_upstream_down_at_the_start_gives_the_error_page(client: Browser,
                                                         settings: Any) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.GOVHUB_VNEID = vneid_settings(
        f"http://127.0.0.1:{port}/.well-known/openid-configuration")
    assert_error_page(client.get("/login/vneid/"), "unavailable", 502)


# --- Linking and assurance ------------------------------------------------------------------

def test_first_sign_in_creates_a_citizen_linked_by_personal_id_at_level_2(
    client: Browser, vneid: RunningProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    authorize_url = start(client)
    request = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))
    assert request["code_challenge_method"] == "S256"  # RFC 7636, made by Authlib
    assert request["state"]
    assert request["nonce"]
    assert request["redirect_uri"] == CALLBACK
    response = callback(client, vneid_page(authorize_url, citizen=HUNG))
    assert response.status_code == 302
    assert response["Location"] == "/"

    account = signed_in_account(client)
    assert account is not None
    assert account.kind == "citizen"
    assert account.full_name == "Nguyễn Văn Hùng"
    assert account.assurance_level == 2
    assert account.username.startswith("vneid-")
    assert account.personal_id_digest == personal_id.digest(HUNG)
    assert account.personal_id_last_digits == "0101"
    assert personal_id.reveal(account.personal_id_ciphertext) == HUNG
    assert account.phone == "0900000101"
    assert find_account_by_personal_id(HUNG) == account
    session = SignInSession.objects.get(account=account)
    assert session.acr == "urn:govhub:loa:2"
    assert session.amr == ["pwd", "otp", "mfa"]  # VNeID's own, passed on

    # The number is never in clear: not in the username, the audit log, the logs or the
    # session.
    assert HUNG not in account.username
    audit = json.dumps([[e.actor_label, e.target_label, e.before, e.after]
                        for e in AuditEntry.objects.all()], ensure_ascii=False)
    assert "[vneid]" in audit
    assert HUNG not in audit
    assert HUNG not in caplog.text
    assert HUNG not in json.dumps(dict(client.session.items()), default=str)


def test_second_sign_in_lands_in_the_same_account(client: Browser,
                                                  vneid: RunningProvider) -> None:
    sign_in(client, HUNG)
    first = signed_in_account(client)
    other_browser = Browser()
    assert sign_in(other_browser, HUNG).status_code == 302
    assert signed_in_account(other_browser) == first
    assert Account.objects.filter(personal_id_digest=personal_id.digest(HUNG)).count() == 1
    assert Account.objects.filter(username__startswith="vneid-").count() == 1


def test_existing_citizen_with_the_same_number_is_reused_and_raised_to_level_2(
    client: Browser, vneid: RunningProvider, tree: Any, make_citizen: Any
) -> None:
    existing = make_citizen(tree.commune_a, personal_id_number=HUNG)
    assert existing.assurance_level == 0
    assert sign_in(client, HUNG).status_code == 302
    account = signed_in_account(client)
    assert account == existing
    assert account.commune == tree.commune_a
    assert account.username == existing.username
    assert account.assurance_level == 2
    assert account.full_name == "Nguyễn Văn Hùng"  # the legal name, from VNeID
    raised = AuditEntry.objects.filter(target_id=str(existing.pk), action="update").get()
    assert raised.actor_label == "[vneid]"
    assert raised.before["assurance_level"] == 0
    assert raised.after["assurance_level"] == 2


def test_level_1_sign_in_never_lowers_a_verified_account(
    client: Browser, vneid: RunningProvider, tree: Any, make_citizen: Any, settings: Any
) -> None:
    assert sign_in(client, PHUC).status_code == 302
    newcomer = signed_in_account(client)
    assert newcomer is not None
    assert newcomer.assurance_level == 1
    assert SignInSession.objects.get(account=newcomer).acr == "urn:govhub:loa:1"

    verified = make_citizen(tree.commune_a, personal_id_number=HUNG, assurance_level=2)
    # An upstream configured to vouch for level 1 only.
    settings.GOVHUB_VNEID = vneid_settings(f"{vneid.issuer}/.well-known/openid-configuration",
                                           levels={"vneid:level1": 1, "vneid:level2": 1})
    other_browser = Browser()
    assert sign_in(other_browser, HUNG).status_code == 302
    verified.refresh_from_db()
    assert verified.assurance_level == 2
    assert SignInSession.objects.get(account=verified).acr == "urn:govhub:loa:1"


def test_disabled_account_is_not_signed_in(client: Browser, vneid: RunningProvider,
                                           tree: Any, make_citizen: Any) -> None:
    make_citizen(tree.commune_a, personal_id_number=HUNG, is_active=False)
    assert_error_page(sign_in(client, HUNG), "account_disabled", 403)
    assert not SignInSession.objects.exists()


# --- Upstream errors and attacks -----------------------------------------------------------

def test_refusing_on_vneid_gives_the_cancelled_page(client: Browser,
                                                    vneid: RunningProvider) -> None:
    response = callback(client, vneid_page(start(client), action="deny"))
    assert_error_page(response, "cancelled", 400)
    assert not SignInSession.objects.exists()


def test_tampered_state_is_refused_and_spends_nothing(client: Browser,
                                                      vneid: RunningProvider) -> None:
    answer = vneid_page(start(client))
    assert_error_page(callback(client, with_query(answer, state="forged")), "invalid_state", 400)
    assert_error_page(callback(Browser(), answer), "invalid_state", 400)  # another browser
    assert not SignInSession.objects.exists()
    assert callback(client, answer).status_code == 302  # the real answer still works once
    replay = callback(client, answer)  # … and only once
    assert replay.status_code == 400
    assert 'data-vneid-error="invalid_state"' in replay.content.decode()


def test_answer_from_another_issuer_is_refused(client: Browser,
                                               vneid: RunningProvider) -> None:
    answer = vneid_page(start(client))
    response = callback(client, with_query(answer, iss="https://ke-gian.example"))
    assert_error_page(response, "invalid_response", 502)  # RFC 9207 mix-up defence


@pytest.mark.parametrize("faults", [{"token": {"fail": True}},
                                    {"userinfo": {"fail": True}}])
def test_upstream_failure_gives_the_error_page_and_no_session(
    client: Browser, vneid: RunningProvider, faults: dict[str, Any]
) -> None:
    answer = vneid_page(start(client))
    fault(vneid, faults)
    assert_error_page(callback(client, answer), "unavailable", 502)
    assert not SignInSession.objects.exists()


def test_token_endpoint_timeout_then_try_again(client: Browser, vneid: RunningProvider,
                                               settings: Any) -> None:
    settings.GOVHUB_VNEID = {**settings.GOVHUB_VNEID, "timeout_seconds": 0.5}
    answer = vneid_page(start(client, next_url="/admin/"))
    fault(vneid, {"token": {"delay_seconds": 1.5}})
    response = callback(client, answer)
    assert_error_page(response, "unavailable", 502)
    retry = re.search(r'href="(/login/vneid/[^"]*)"', response.content.decode())
    assert retry is not None
    assert retry.group(1) == "/login/vneid/?next=%2Fadmin%2F"

    fault(vneid, {})
    again = callback(client, vneid_page(start(client, next_url="/admin/")))
    assert again.status_code == 302
    assert again["Location"] == "/admin/"
    assert signed_in_account(client) is not None


def test_code_from_another_login_is_refused(client: Browser, vneid: RunningProvider) -> None:
    mine = vneid_page(start(client), citizen=PHUC)
    theirs = vneid_page(start(Browser()), citizen=HUNG)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(theirs).query))["code"]
    response = callback(client, with_query(mine, code=code))
    assert_error_page(response, "invalid_response", 502)
    assert not SignInSession.objects.exists()


def test_id_token_nonce_is_checked(client: Browser, vneid: RunningProvider,
                                   caplog: pytest.LogCaptureFixture) -> None:
    # An attacker replays this login's request (same PKCE challenge, so the token request
    # passes) with a nonce of their own: only the ID token's nonce can tell.
    authorize_url = start(client)
    forged = with_query(authorize_url, nonce="nonce-cua-ke-gian", state="ke-gian")
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))["state"]
    answer = with_query(vneid_page(forged), state=state)
    response = callback(client, answer)
    assert_error_page(response, "invalid_response", 502)
    assert "nonce" in caplog.text
    assert not SignInSession.objects.exists()


# --- What govhub's own apps see ----------------------------------------------------------

def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode()


def test_govhub_id_token_carries_loa_2_after_a_level_2_vneid_sign_in(
    client: Browser, vneid: RunningProvider, tree: Any
) -> None:
    app, _ = clients.register_client(
        actor=SYSTEM, agency=tree.province, name="Cổng đất đai", client_type=Client.CLIENT_PUBLIC,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE, redirect_uris=APP_REDIRECT,
        skip_authorization=True)
    verifier = "v" * 50
    authorize = "/o/authorize/?" + urllib.parse.urlencode({
        "client_id": app.client_id, "response_type": "code", "scope": "openid",
        "redirect_uri": APP_REDIRECT, "state": "s", "nonce": "n",
        "code_challenge": s256(verifier), "code_challenge_method": "S256"})
    to_login = client.get(authorize)
    assert to_login.status_code == 302
    login_page = client.get(to_login["Location"]).content.decode()
    button = re.search(r'href="(/login/vneid/\?next=[^"]+)"', login_page)
    assert button is not None  # the button carries the app's request along

    back = callback(client, vneid_page(str(client.get(button.group(1))["Location"])))
    assert back.status_code == 302
    assert back["Location"] == authorize
    code_redirect = client.get(back["Location"])
    assert code_redirect["Location"].startswith(APP_REDIRECT)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        code_redirect["Location"]).query))["code"]
    tokens = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": APP_REDIRECT,
        "client_id": app.client_id, "code_verifier": verifier}).json()
    keys = jwk.JWKSet.from_json(client.get("/o/.well-known/jwks.json").content)
    claims = json.loads(jwt.JWT(jwt=tokens["id_token"], key=keys, expected_type="JWS").claims)
    assert claims["acr"] == "urn:govhub:loa:2"
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["nonce"] == "n"
    assert HUNG not in json.dumps(claims)


def test_an_administrator_signing_in_with_vneid_still_gives_govhubs_second_factor(
    client: Browser, vneid: RunningProvider, tree: Any, make_official: Any
) -> None:
    from govhub.identity.people import roles
    from govhub.identity.people.services import accounts
    from govhub.kernel.actors import SYSTEM

    admin = make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.vneid")
    accounts.update_account(actor=SYSTEM, account=admin, personal_id_number=HUNG)
    response = sign_in(client)
    # Level-2 VNeID proves identity; administrative roles still ask for govhub's factor.
    assert response.status_code == 302
    assert response["Location"].startswith("/login/second-factor/")
    assert signed_in_account(client) is None


# --- The ID token's audience (OIDC Core §3.1.3.7) -------------------------------------------

FOREIGN_AUDIENCES = [
    {"aud": ["some-other-rp"], "azp": CLIENT_ID},
    {"aud": "some-other-rp", "azp": CLIENT_ID},
    {"aud": ["rp-a", "rp-b"], "azp": CLIENT_ID},
    {"aud": [CLIENT_ID, "rp-b"], "azp": "rp-b"},
    {"aud": [CLIENT_ID, "rp-b"]},  # several audiences and no azp
]


@pytest.mark.parametrize("overrides", FOREIGN_AUDIENCES)
def test_id_token_for_another_audience_is_refused_even_when_azp_names_govhub(
    client: Browser, settings: Any, overrides: dict[str, Any]
) -> None:
    config = SandboxConfig(clients=(RegisteredClient(CLIENT_ID, CLIENT_SECRET, (CALLBACK,)),),
                           id_token_overrides=overrides)
    with start_in_thread(config) as upstream:
        settings.GOVHUB_VNEID = vneid_settings(
            f"{upstream.issuer}/.well-known/openid-configuration")
        assert_error_page(sign_in(client), "invalid_response", 502)
    assert not SignInSession.objects.exists()
    assert not Account.objects.filter(username__startswith="vneid-").exists()


def test_id_token_for_govhub_among_several_audiences_with_azp_signs_in(
    client: Browser, settings: Any
) -> None:
    config = SandboxConfig(clients=(RegisteredClient(CLIENT_ID, CLIENT_SECRET, (CALLBACK,)),),
                           id_token_overrides={"aud": [CLIENT_ID, "rp-b"], "azp": CLIENT_ID})
    with start_in_thread(config) as upstream:
        settings.GOVHUB_VNEID = vneid_settings(
            f"{upstream.issuer}/.well-known/openid-configuration")
        assert sign_in(client).status_code == 302
    assert signed_in_account(client) is not None


@pytest.mark.parametrize("audience", [
    *FOREIGN_AUDIENCES,
    {"aud": CLIENT_ID}, {"aud": [CLIENT_ID]}, {"aud": CLIENT_ID, "azp": CLIENT_ID},
    {"aud": [CLIENT_ID, "rp-b"], "azp": CLIENT_ID}, {"aud": CLIENT_ID, "azp": "rp-b"},
])
def test_audience_verdict_agrees_with_pyoidc(audience: dict[str, Any]) -> None:
    """pyoidc (an independent implementation of OIDC Core §3.1.3.7) judges the same claims."""
    now = int(time.time())
    claims = {"iss": "https://vneid.example", "sub": "s", "iat": now, "exp": now + 60,
              **audience}
    try:
        IdToken(**claims).verify(client_id=CLIENT_ID, iss="https://vneid.example")
        pyoidc_accepts = True
    except (PyoidcError, ValueError):
        pyoidc_accepts = False
    try:
        check_audience(claims, CLIENT_ID)
        govhub_accepts = True
    except FederationError:
        govhub_accepts = False
    assert govhub_accepts == pyoidc_accepts


# --- Asking for the level, and the factors used (OIDC Core §3.1.2.1, RFC 8176) ---------------

def test_level_arrives_from_acr_when_the_upstream_honours_acr_values(
    client: Browser, settings: Any
) -> None:
    # An upstream that states the level only when asked, and a mapping without the level
    # claim's bare "2": only the ID token's acr can tell govhub the citizen is at level 2.
    config = SandboxConfig(clients=(RegisteredClient(CLIENT_ID, CLIENT_SECRET, (CALLBACK,)),),
                           acr_only_when_requested=True)
    with start_in_thread(config) as upstream:
        settings.GOVHUB_VNEID = vneid_settings(
            f"{upstream.issuer}/.well-known/openid-configuration",
            levels={"vneid:level1": 1, "vneid:level2": 2})
        authorize_url = start(client)
        request = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))
        assert request["acr_values"] == "vneid:level2 vneid:level1"
        assert callback(client, vneid_page(authorize_url, citizen=HUNG)).status_code == 302
    account = signed_in_account(client)
    assert account is not None
    assert account.assurance_level == 2
    assert SignInSession.objects.get(account=account).acr == "urn:govhub:loa:2"


def test_no_acr_values_sent_when_none_configured(client: Browser, vneid: RunningProvider,
                                                 settings: Any) -> None:
    settings.GOVHUB_VNEID = {**settings.GOVHUB_VNEID, "acr_values": []}
    query = urllib.parse.urlsplit(start(client)).query
    assert "acr_values" not in dict(urllib.parse.parse_qsl(query))


def test_upstream_amr_passed_on_in_rfc_8176_words_with_mfa_for_two_kinds_of_factor(
    client: Browser, settings: Any
) -> None:
    config = SandboxConfig(
        clients=(RegisteredClient(CLIENT_ID, CLIENT_SECRET, (CALLBACK,)),),
        amr_values={1: ("pwd", "pin"), 2: ("pwd", "vneid-chip", "otp", "otp")})
    with start_in_thread(config) as upstream:
        settings.GOVHUB_VNEID = vneid_settings(
            f"{upstream.issuer}/.well-known/openid-configuration")
        assert sign_in(client, HUNG).status_code == 302
        other = Browser()
        assert sign_in(other, PHUC).status_code == 302
    hung, phuc = signed_in_account(client), signed_in_account(other)
    # An unregistered value is dropped; password and one-time code are two kinds of factor.
    assert SignInSession.objects.get(account=hung).amr == ["pwd", "otp", "mfa"]
    # Password and PIN are both something the citizen knows: one kind, no mfa.
    assert SignInSession.objects.get(account=phuc).amr == ["pwd", "pin"]


# --- An upstream that died after its metadata was cached --------------------------------------

def test_dead_upstream_gives_govhubs_page_instead_of_a_redirect(client: Browser,
                                                                 settings: Any) -> None:
    config = SandboxConfig(clients=(RegisteredClient(CLIENT_ID, CLIENT_SECRET, (CALLBACK,)),))
    upstream = start_in_thread(config)
    try:
        settings.GOVHUB_VNEID = vneid_settings(
            f"{upstream.issuer}/.well-known/openid-configuration")
        start(client)  # the discovery document is now cached
    finally:
        upstream.stop()
    response = client.get("/login/vneid/", {"next": "/admin/"})
    assert response.status_code == 503
    assert "Location" not in response
    html = response.content.decode()
    assert 'data-vneid-error="upstream_down"' in html
    assert "VNeID tạm thời không phản hồi" in html
    # The other ways in, each bringing the citizen back to where they were going.
    assert 'href="/login/?next=%2Fadmin%2F"' in html
    assert 'href="/login/phone/?next=%2Fadmin%2F"' in html
    assert 'href="/login/vneid/?next=%2Fadmin%2F"' in html
    assert response.wsgi_request.user.is_anonymous



# --- Signing out at VNeID (OpenID Connect Back-Channel Logout 1.0) ----------------------------

def logout_token(upstream: RunningProvider, *, key: SigningKey | None = None,
                 **changes: Any) -> str:
    """A logout token as the upstream sends it (§2.4), signed with its key unless another
    is given; a change to None leaves that claim out."""
    now = int(time.time())
    claims = {"iss": upstream.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 120,
              "jti": secrets.token_urlsafe(16), "events": {LOGOUT_EVENT: {}}, **changes}
    signer = key or upstream.app[PROVIDER].key
    return signer.sign({name: value for name, value in claims.items() if value is not None})


def post_logout_token(token: str) -> Any:
    return Browser().post("/login/vneid/backchannel-logout/", {"logout_token": token})


@pytest.fixture
def logout_receiver() -> Iterator[LogoutReceiver]:
    receiver = LogoutReceiver()
    yield receiver
    receiver.close()


@pytest.mark.django_db(transaction=True)
def test_upstream_logout_token_ends_the_session_and_tells_its_apps(
    client: Browser, vneid: RunningProvider, tree: Any, logout_receiver: LogoutReceiver,
    settings: Any
) -> None:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER,
                                "OIDC_ISS_ENDPOINT": "http://testserver"}
    assert sign_in(client).status_code == 302
    session = SignInSession.objects.get(account=signed_in_account(client))
    assert session.upstream_sid  # the ID token's sid, kept with the sign-in
    app = register(tree, logout_receiver, "dat-dai")
    use_app(client, app)

    response = post_logout_token(logout_token(vneid, sid=session.upstream_sid))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")  # §2.8: not cached
    session.refresh_from_db()
    assert session.ended_at is not None
    assert signed_in_account(client) is None  # the browser is signed out of govhub
    assert len(logout_receiver.received) == 1  # and govhub told the app in turn


@pytest.mark.parametrize("change", [
    {"key": "foreign"}, {"iss": "https://ke-gian.example"}, {"aud": "some-other-rp"},
    {"aud": ["some-other-rp"], "azp": CLIENT_ID}, {"nonce": "n"}, {"events": None},
    {"events": {"http://schemas.openid.net/event/other": {}}}, {"jti": None},
    {"iat": int(time.time()) - 3600}, {"sid": None},
])
def test_forged_upstream_logout_tokens_are_refused(
    client: Browser, vneid: RunningProvider, change: dict[str, Any]
) -> None:
    assert sign_in(client).status_code == 302
    session = SignInSession.objects.get(account=signed_in_account(client))
    changes: dict[str, Any] = {"sid": session.upstream_sid, **change}
    key = SigningKey.generate() if changes.pop("key", None) else None
    response = post_logout_token(logout_token(vneid, key=key, **changes))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    session.refresh_from_db()
    assert session.ended_at is None
    assert signed_in_account(client) is not None


def test_replayed_upstream_logout_token_is_refused(client: Browser,
                                                   vneid: RunningProvider) -> None:
    token = logout_token(vneid, sid="phien-khac")  # names no session of govhub's
    assert post_logout_token(token).status_code == 200
    assert post_logout_token(token).status_code == 400  # the same jti again

    assert sign_in(client).status_code == 302
    session = SignInSession.objects.get(account=signed_in_account(client))
    jti = secrets.token_urlsafe(16)
    assert post_logout_token(logout_token(vneid, sid="phien-khac", jti=jti)).status_code == 200
    # A token with a jti already used, even one naming this session, is a replay.
    again = logout_token(vneid, sid=session.upstream_sid, jti=jti)
    assert post_logout_token(again).status_code == 400
    session.refresh_from_db()
    assert session.ended_at is None


@pytest.mark.django_db(transaction=True)
def test_signing_out_at_vneid_signs_the_citizen_out_of_govhub_and_its_apps(
    client: Browser, live_server: Any, settings: Any, tree: Any,
    logout_receiver: LogoutReceiver
) -> None:
    # The upstream itself posts its logout token to govhub, served on a real socket.
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER,
                                "OIDC_ISS_ENDPOINT": "http://testserver"}
    config = SandboxConfig(clients=(RegisteredClient(
        CLIENT_ID, CLIENT_SECRET, (CALLBACK,),
        backchannel_logout_uri=f"{live_server.url}/login/vneid/backchannel-logout/"),))
    with start_in_thread(config) as upstream:
        settings.GOVHUB_VNEID = vneid_settings(
            f"{upstream.issuer}/.well-known/openid-configuration")
        on_vneid = requests.Session()  # the same browser on VNeID's pages, keeping its cookie
        page = on_vneid.get(start(client), timeout=5)
        tx = re.search(r'name="tx" value="([^"]+)"', page.text)
        assert tx is not None
        answer = on_vneid.post(f"{upstream.issuer}/authorize", allow_redirects=False,
                               data={"tx": tx.group(1), "action": "login", "citizen": HUNG},
                               timeout=5)
        assert callback(client, answer.headers["Location"]).status_code == 302
        session = SignInSession.objects.get(account=signed_in_account(client))
        use_app(client, register(tree, logout_receiver, "dat-dai"))

        assert on_vneid.get(f"{upstream.issuer}/logout", timeout=10).status_code == 200
    session.refresh_from_db()
    assert session.ended_at is not None
    assert signed_in_account(client) is None
    assert len(logout_receiver.received) == 1
