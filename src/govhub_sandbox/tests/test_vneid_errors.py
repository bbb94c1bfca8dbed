"""What the sandbox VNeID refuses, and how: authorization errors (RFC 6749 §4.1.2.1), token
errors (RFC 6749 §5.2), bearer errors (RFC 6750 §3), code and session lifetimes."""

from urllib.parse import urlencode

import pytest
import requests

from govhub_sandbox.tests.conftest import (
    CLIENT_ID,
    HUNG,
    REDIRECT_URI,
    FakeClock,
    RelyingParty,
    redirect_params,
)
from govhub_sandbox.vneid.server import RunningProvider


def authorize_url(issuer: str, **params: str) -> str:
    query = {"response_type": "code", "scope": "openid", "state": "st-1",
             "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, **params}
    return f"{issuer}/authorize?{urlencode({k: v for k, v in query.items() if v})}"


@pytest.mark.parametrize(("params", "shown"), [
    ({"client_id": "unknown-app"}, "Ứng dụng chưa được đăng ký"),
    ({"client_id": ""}, "Ứng dụng chưa được đăng ký"),
    ({"redirect_uri": "http://127.0.0.1:9/elsewhere"}, "Địa chỉ chuyển hướng không hợp lệ"),
    # Exact match only: a longer path, a trailing slash or another port is another URI.
    ({"redirect_uri": REDIRECT_URI + "/x"}, "Địa chỉ chuyển hướng không hợp lệ"),
    ({"redirect_uri": REDIRECT_URI + "?next=https://evil.example"},
     "Địa chỉ chuyển hướng không hợp lệ"),
    # Even a bad response_type is not redirected to an unregistered URI.
    ({"redirect_uri": "https://evil.example/", "response_type": "token"},
     "Địa chỉ chuyển hướng không hợp lệ"),
])
def test_unknown_client_or_redirect_uri_shows_an_error_page(
        provider: RunningProvider, params: dict[str, str], shown: str) -> None:
    response = requests.get(authorize_url(provider.issuer, **params), allow_redirects=False,
                            timeout=5)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")
    assert shown in response.text
    assert 'lang="vi"' in response.text


@pytest.mark.parametrize(("params", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "profile vneid"}, "invalid_scope"),
    ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "x" * 43}, "invalid_request"),  # RFC 7636 §4.3: defaults to plain
    ({"code_challenge": "too-short", "code_challenge_method": "S256"}, "invalid_request"),
    ({"prompt": "none login"}, "invalid_request"),
    ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
    ({"prompt": "none"}, "login_required"),  # no session yet
])
def test_bad_requests_from_a_known_client_go_back_to_it(
        provider: RunningProvider, params: dict[str, str], error: str) -> None:
    response = requests.get(authorize_url(provider.issuer, **params), allow_redirects=False,
                            timeout=5)
    assert response.status_code == 302
    back = redirect_params(response, REDIRECT_URI)
    assert back["error"] == error
    assert back["state"] == "st-1"
    assert back["iss"] == provider.issuer  # RFC 9207


def test_missing_state_is_refused(provider: RunningProvider) -> None:
    response = requests.get(authorize_url(provider.issuer, state=""), allow_redirects=False,
                            timeout=5)
    back = redirect_params(response, REDIRECT_URI)
    assert back["error"] == "invalid_request"
    assert "state" not in back


def test_deny_redirects_with_access_denied(rp: RelyingParty) -> None:
    login = rp.begin()
    response = rp.submit(login, action="deny")
    assert response.status_code == 303
    back = redirect_params(response, REDIRECT_URI)
    assert back["error"] == "access_denied"
    assert back["state"] == login.state
    assert "code" not in back


def test_code_reuse_is_invalid_grant_and_revokes_the_token(rp: RelyingParty) -> None:
    login = rp.begin()
    code = rp.code_for(login)
    first = rp.token_request(code=code, code_verifier=login.verifier)
    assert first.status_code == 200
    access_token = first.json()["access_token"]
    again = rp.token_request(code=code, code_verifier=login.verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # RFC 6749 §4.1.2: tokens issued from a replayed code are revoked.
    info = requests.get(f"{rp.issuer}/userinfo", timeout=5,
                        headers={"Authorization": f"Bearer {access_token}"})
    assert info.status_code == 401


@pytest.mark.parametrize("verifier", [
    "A" * 64,  # well-formed but not the one
    "short",  # malformed (RFC 7636 §4.1: 43 to 128 characters)
    None,  # missing although a challenge was sent
])
def test_wrong_pkce_verifier_is_invalid_grant(rp: RelyingParty, verifier: str | None) -> None:
    login = rp.begin()
    code = rp.code_for(login)
    response = rp.token_request(code=code, **({"code_verifier": verifier} if verifier else {}))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    # The code is spent: the right verifier no longer helps.
    assert rp.token_request(code=code, code_verifier=login.verifier).json()[
        "error"] == "invalid_grant"


def test_verifier_without_challenge_is_invalid_grant(rp: RelyingParty) -> None:
    # RFC 9700 §2.1.1: a PKCE downgrade is refused.
    page = rp.browser.get(authorize_url(rp.issuer, state="st-2"), timeout=5)
    transaction = page.text.split('name="tx" value="')[1].split('"')[0]
    response = rp.browser.post(f"{rp.issuer}/authorize", allow_redirects=False, timeout=5,
                               data={"tx": transaction, "action": "login", "citizen": HUNG})
    code = redirect_params(response, REDIRECT_URI)["code"]
    assert rp.token_request(code=code, code_verifier="B" * 50).json()[
        "error"] == "invalid_grant"


def test_wrong_redirect_uri_at_the_token_endpoint_is_invalid_grant(rp: RelyingParty) -> None:
    login = rp.begin()
    code = rp.code_for(login)
    response = rp.token_request(code=code, code_verifier=login.verifier,
                                redirect_uri="http://127.0.0.1:9/other")
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("how", ["basic", "post"])
def test_wrong_client_secret_is_401_invalid_client(rp: RelyingParty, how: str) -> None:
    login = rp.begin()
    code = rp.code_for(login)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": login.verifier}
    if how == "basic":
        response = requests.post(f"{rp.issuer}/token", data=form, timeout=5,
                                 auth=(CLIENT_ID, "not-the-secret"))
    else:
        response = requests.post(f"{rp.issuer}/token", timeout=5, data={
            **form, "client_id": CLIENT_ID, "client_secret": "not-the-secret"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.headers["Cache-Control"] == "no-store"
    # A failed client authentication does not burn the client's code.
    assert rp.token_request(code=code, code_verifier=login.verifier).status_code == 200


def test_other_token_request_errors(rp: RelyingParty) -> None:
    assert rp.token_request(grant_type="client_credentials").json()[
        "error"] == "unsupported_grant_type"
    assert rp.token_request(grant_type="").json()["error"] == "invalid_request"
    assert rp.token_request(code="").json()["error"] == "invalid_request"
    assert rp.token_request(code="no-such-code").json()["error"] == "invalid_grant"
    no_auth = requests.post(f"{rp.issuer}/token", timeout=5, data={
        "grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT_URI})
    assert no_auth.status_code == 401
    assert no_auth.json()["error"] == "invalid_client"
    as_json = requests.post(f"{rp.issuer}/token", timeout=5, json={"grant_type": "x"})
    assert as_json.json()["error"] == "invalid_request"


def test_expired_code_is_invalid_grant(rp: RelyingParty, clock: FakeClock) -> None:
    login = rp.begin()
    code = rp.code_for(login)
    clock.offset = 61  # the code lives 60 s (RFC 6749 §4.1.2: a short lifetime)
    assert rp.token_request(code=code, code_verifier=login.verifier).json()[
        "error"] == "invalid_grant"


def test_userinfo_refuses_bad_or_missing_tokens(provider: RunningProvider) -> None:
    url = f"{provider.issuer}/userinfo"
    missing = requests.get(url, timeout=5)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="VNeID sandbox"'
    bad = requests.get(url, headers={"Authorization": "Bearer forged"}, timeout=5)
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]
    assert bad.json()["error"] == "invalid_token"


def test_expired_access_token_is_refused(rp: RelyingParty, clock: FakeClock) -> None:
    login = rp.begin()
    code = rp.code_for(login)
    access_token = rp.token_request(code=code, code_verifier=login.verifier).json()[
        "access_token"]
    clock.offset = 601
    response = requests.get(f"{rp.issuer}/userinfo", timeout=5,
                            headers={"Authorization": f"Bearer {access_token}"})
    assert response.status_code == 401
