"""The land-parcel mini-app's error paths, against a small fake OpenID provider and a fake
gateway on real sockets: refused logout tokens, an ID token for another sign-in, nobody
signed in at the provider, and the hub's problem+json answers shown in Vietnamese. (Signing
in for real through govhub is src/govhub/portal/tests/test_miniapp_sso_browser.py.)"""

from __future__ import annotations

import base64
import hashlib
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from aiohttp import web
from joserfc import jwt
from joserfc.jwk import RSAKey

from govhub_sandbox.miniapp.app import create_app
from govhub_sandbox.miniapp.config import Settings
from govhub_sandbox.miniapp.oidc import LOGOUT_EVENT
from govhub_sandbox.serving import base_url, bind, start_in_thread, start_on_socket

CLIENT_ID, SECRET = "tracuu-test", "s3cret-value"
SUB, SID = "42", "sid-abc"


@dataclass
class FakeProvider:
    """Signs anyone in as SUB (unless ``signed_in`` is False) and remembers each code's
    nonce; ``claims`` overrides what the next ID tokens say."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={
        "kid": "k1"}))
    signed_in: bool = True
    claims: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    url: str = ""

    def sign(self, claims: dict[str, Any], key: RSAKey | None = None,
             typ: str = "JWT") -> str:
        return jwt.encode({"alg": "RS256", "kid": "k1", "typ": typ}, claims, key or self.key)

    def app(self) -> web.Application:
        async def discovery(request: web.Request) -> web.Response:
            return web.json_response({
                "issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                "end_session_endpoint": f"{self.url}/logout"})

        async def jwks(request: web.Request) -> web.Response:
            return web.json_response({"keys": [self.key.as_dict(private=False)]})

        async def authorize(request: web.Request) -> web.Response:
            q = request.query
            answer = {"state": q["state"]}
            if not self.signed_in:
                answer["error"] = "login_required"
            else:
                answer["code"] = code = uuid.uuid4().hex
                self.codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"]}
            location = f"{q['redirect_uri']}?{urllib.parse.urlencode(answer)}"
            return web.Response(status=302, headers={"Location": location})

        async def token(request: web.Request) -> web.Response:
            form = await request.post()
            expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
            assert request.headers["Authorization"] == f"Basic {expected}"
            grant = self.codes.pop(str(form["code"]))
            digest = hashlib.sha256(str(form["code_verifier"]).encode()).digest()
            assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant["challenge"]
            now = int(time.time())
            claims = {"iss": self.url, "aud": CLIENT_ID, "sub": SUB, "sid": SID, "iat": now,
                      "exp": now + 300, "nonce": grant["nonce"], "name": "Trương Thị Dân"}
            return web.json_response({"access_token": "at", "token_type": "Bearer",
                                      "id_token": self.sign(claims | self.claims)})

        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", discovery)
        app.router.add_get("/jwks", jwks)
        app.router.add_get("/authorize", authorize)
        app.router.add_post("/token", token)
        return app


@dataclass
class FakeGateway:
    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"count": 0, "parcels": []})
    headers: dict[str, str] = field(default_factory=dict)
    seen: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> web.Application:
        async def parcels(request: web.Request) -> web.Response:
            self.seen.append(dict(request.headers))
            return web.json_response(self.body, status=self.status, headers=self.headers,
                                     content_type="application/problem+json"
                                     if self.status >= 400 else "application/json")

        app = web.Application()
        app.router.add_get("/r1/000.00.03.H12/datdai/thuadat/parcels", parcels)
        return app


@dataclass
class Setup:
    provider: FakeProvider
    gateway: FakeGateway
    url: str
    browser: requests.Session
    hub_key_file: Path


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    provider, gateway = FakeProvider(), FakeGateway()
    op_socket = bind("127.0.0.1", 0)
    provider.url = base_url(op_socket)
    key_file = tmp_path / "hub-key"
    key_file.write_text("the-hub-key\n")
    with start_on_socket(provider.app(), op_socket, name="fake-op"), \
            start_in_thread(gateway.app(), name="fake-gateway") as hub:
        sock = bind("127.0.0.1", 0)
        settings = Settings(issuer=provider.url, client_id=CLIENT_ID, client_secret=SECRET,
                            public_url=base_url(sock), gateway_url=hub.url,
                            hub_key_file=key_file, http_timeout_seconds=3)
        with start_on_socket(create_app(settings), sock, name="miniapp") as miniapp, \
                requests.Session() as browser:
            yield Setup(provider, gateway, miniapp.url, browser, key_file)


def signed_in(setup: Setup) -> str:
    page = setup.browser.get(f"{setup.url}/", timeout=10)
    assert page.status_code == 200
    assert "Trương Thị Dân" in page.text
    return page.text


def logout(setup: Setup, token: str) -> requests.Response:
    return requests.post(f"{setup.url}/backchannel-logout", data={"logout_token": token},
                         timeout=10)


def logout_claims(setup: Setup, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": setup.provider.url, "aud": CLIENT_ID, "iat": now, "exp": now + 120,
              "jti": uuid.uuid4().hex, "sub": SUB, "sid": SID, "events": {LOGOUT_EVENT: {}}}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize(("case", "changes"), [
    ("nonce present", {"nonce": "n"}),
    ("no logout event", {"events": {"http://example.com/other": {}}}),
    ("another app's token", {"aud": "another-app"}),
    ("another issuer", {"iss": "http://127.0.0.1:9"}),
    ("neither sid nor sub", {"sid": None, "sub": None}),
    ("issued long ago", {"iat": int(time.time()) - 3600, "exp": int(time.time()) + 60}),
])
def test_a_bad_logout_token_is_refused_and_the_session_stays(setup: Setup, case: str,
                                                             changes: dict[str, Any]) -> None:
    signed_in(setup)
    answer = logout(setup, setup.provider.sign(logout_claims(setup, **changes),
                                               typ="logout+jwt"))
    assert answer.status_code == 400, case
    assert answer.json()["error"] == "invalid_request"
    signed_in(setup)  # still signed in


def test_a_logout_token_signed_by_another_key_or_typed_as_id_token_is_refused(
        setup: Setup) -> None:
    signed_in(setup)
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    assert logout(setup, setup.provider.sign(logout_claims(setup), stranger,
                                             typ="logout+jwt")).status_code == 400
    assert logout(setup, setup.provider.sign(logout_claims(setup))).status_code == 400  # JWT
    assert logout(setup, "not-a-jwt").status_code == 400
    assert requests.post(f"{setup.url}/backchannel-logout", timeout=10).status_code == 400
    signed_in(setup)


def test_a_valid_logout_token_ends_the_session_once(setup: Setup) -> None:
    signed_in(setup)
    token = setup.provider.sign(logout_claims(setup), typ="logout+jwt")
    assert logout(setup, token).status_code == 200
    setup.provider.signed_in = False  # signed out at the provider as well
    page = setup.browser.get(f"{setup.url}/", timeout=10)
    assert "data-signed-out" in page.text
    assert logout(setup, token).status_code == 400  # a replay (jti already seen)


def test_nobody_signed_in_at_the_provider_shows_the_signed_out_page(setup: Setup) -> None:
    setup.provider.signed_in = False
    page = setup.browser.get(f"{setup.url}/", timeout=10)
    assert page.url == f"{setup.url}/chua-dang-nhap"
    assert "Bạn chưa đăng nhập" in page.text
    assert 'href="/dang-nhap"' in page.text


def test_an_id_token_for_another_sign_in_is_refused(setup: Setup) -> None:
    setup.provider.claims = {"nonce": "someone-else's"}
    page = setup.browser.get(f"{setup.url}/", timeout=10)
    assert page.status_code == 400
    assert "Đăng nhập không thành công" in page.text
    assert "Trương Thị Dân" not in page.text


def test_a_callback_without_a_started_sign_in_is_refused(setup: Setup) -> None:
    page = setup.browser.get(f"{setup.url}/callback?code=x&state=forged", timeout=10)
    assert page.status_code == 400
    assert "không hợp lệ" in page.text


def search(setup: Setup) -> str:
    signed_in(setup)
    page = setup.browser.get(f"{setup.url}/", params={"commune": "32002", "sheet": "12"},
                             timeout=10)
    return page.text


def test_the_hub_refusal_is_shown_in_vietnamese_with_the_request_id(setup: Setup) -> None:
    setup.gateway.status = 403
    setup.gateway.body = {
        "type": "http://127.0.0.1:8000/problems/gateway-access-denied", "status": 403,
        "title": "Không có thỏa thuận chia sẻ dữ liệu còn hiệu lực / No valid data-sharing "
                 "agreement", "fault_origin": "client", "retryable": False,
        "request_id": "req-77"}
    text = search(setup)
    assert "chưa có thỏa thuận chia sẻ dữ liệu đất đai" in text
    assert "Mã yêu cầu: req-77" in text
    sent = setup.gateway.seen[0]
    assert sent["X-Api-Key"] == "the-hub-key"
    assert sent["X-Road-Client"] == "000.00.03.H12/tracuuthuadat"
    assert sent["X-Road-UserId"] == SUB
    assert sent["X-Road-Issue"] == "TRACUU-DD"
    assert uuid.UUID(sent["X-Road-Id"])


def test_quota_exceeded_says_when_to_try_again(setup: Setup) -> None:
    setup.gateway.status = 429
    setup.gateway.headers = {"Retry-After": "7"}
    setup.gateway.body = {"type": "http://x/problems/gateway-quota-exceeded", "status": 429,
                          "title": "Vượt hạn mức gọi dịch vụ / Quota exceeded",
                          "retryable": True}
    assert "Đã vượt hạn mức tra cứu cho phép. Vui lòng thử lại sau ít phút. (thử lại sau 7 " \
           "giây)" in search(setup)


def test_an_unknown_problem_shows_its_vietnamese_title(setup: Setup) -> None:
    setup.gateway.status = 500
    setup.gateway.body = {"type": "about:blank", "status": 500,
                          "title": "Lỗi lạ chưa gặp / Strange error"}
    text = search(setup)
    assert "Lỗi lạ chưa gặp." in text
    assert "Strange error" not in text


def test_without_a_hub_key_the_app_works_and_says_so(setup: Setup) -> None:
    setup.hub_key_file.unlink()  # read at each lookup: as if never issued
    text = search(setup)
    assert "chưa được cấp khóa truy cập trục liên thông" in text
    assert setup.gateway.seen == []


def test_invalid_search_input_is_explained_without_calling_the_hub(setup: Setup) -> None:
    signed_in(setup)
    page = setup.browser.get(f"{setup.url}/", params={"commune": "32002", "sheet": "abc"},
                             timeout=10)
    assert "Số tờ phải là số nguyên dương." in page.text
    assert setup.gateway.seen == []
