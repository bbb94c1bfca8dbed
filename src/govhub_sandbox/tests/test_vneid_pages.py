"""The login page a citizen sees, the sandbox session and logout, the configuration file and
the command-line entry point."""

import json
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from govhub_sandbox.tests.conftest import (
    CLIENT_ID,
    HUNG,
    POST_LOGOUT_URI,
    REDIRECT_URI,
    RelyingParty,
    redirect_params,
)
from govhub_sandbox.vneid import ConfigError, SandboxConfig, load_config
from govhub_sandbox.vneid.config import DEFAULT_CITIZENS, config_from_dict
from govhub_sandbox.vneid.server import start_in_thread

EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "vneid" / "example-config.json"


class FormControls(HTMLParser):
    """Collects visible form controls and the ids that labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang")
        elif tag == "label" and values.get("for"):
            self.labelled.add(values["for"] or "")
        elif tag in ("input", "select") and values.get("type") != "hidden":
            self.controls.append(values)


def test_login_page_is_vietnamese_and_every_control_is_labelled(rp: RelyingParty) -> None:
    page, _ = rp.login_page(rp.begin())
    assert "<h1>Đăng nhập bằng VNeID (môi trường thử nghiệm)</h1>" in page.text
    assert "Từ chối" in page.text
    assert "Ứng dụng kiểm thử" in page.text
    for citizen in DEFAULT_CITIZENS:
        assert citizen.ho_va_ten in page.text
        assert citizen.so_dinh_danh in page.text
    assert "12/03/1985" in page.text  # dd/mm/yyyy
    parser = FormControls()
    parser.feed(page.text)
    assert parser.html_lang == "vi"
    assert len(parser.controls) >= len(DEFAULT_CITIZENS) + 4
    unlabelled = [c for c in parser.controls if c.get("id") not in parser.labelled]
    assert unlabelled == []
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_another_citizen_typed_in_signs_in(rp: RelyingParty) -> None:
    login = rp.begin()
    response = rp.submit(login, action="custom", so_dinh_danh="096 190 123 456",
                         ho_va_ten="  Đặng   Thị Mỹ  Duyên ", ngay_sinh="1990-09-09",
                         so_dien_thoai="0900000999", level="1")
    assert response.status_code == 303, response.text
    code = redirect_params(response, REDIRECT_URI)["code"]
    token = rp.token_request(code=code, code_verifier=login.verifier).json()
    assert token["id_token"]
    info = requests.get(f"{rp.issuer}/userinfo", timeout=5,
                        headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert info["SoDinhDanh"] == "096190123456"
    assert info["HoVaTen"] == "Đặng Thị Mỹ Duyên"
    assert info["GioiTinh"] == "Nữ"  # 4th digit 1: female, born in the 1900s
    assert info["level"] == 1
    assert info["acr"] == "vneid:level1"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("so_dinh_danh", "09608500010", "đúng 12 chữ số"),
    ("so_dinh_danh", "096285000199", "Chữ số thứ 4 phải là 0"),  # says born in the 2000s
    ("so_dinh_danh", HUNG, "đã có trong danh sách"),
    ("ho_va_ten", "R2-D2", "chữ cái"),
    ("ngay_sinh", "2999-01-01", "đến hôm nay"),
    ("so_dien_thoai", "12345", "10 chữ số"),
])
def test_invalid_typed_citizen_is_shown_next_to_the_field(
        rp: RelyingParty, field: str, value: str, message: str) -> None:
    form = {"so_dinh_danh": "096085999999", "ho_va_ten": "Ngô Văn Tài",
            "ngay_sinh": "1985-01-01", "level": "2", field: value}
    response = rp.submit(rp.begin(), action="custom", **form)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert f'value="{value}"' in response.text  # kept as typed


def test_signing_in_without_choosing_says_so(rp: RelyingParty) -> None:
    response = rp.submit(rp.begin(), action="login")
    assert response.status_code == 400
    assert 'id="citizen-error"' in response.text
    assert "Hãy chọn một công dân thử nghiệm." in response.text


def test_a_login_page_serves_one_login(rp: RelyingParty) -> None:
    login = rp.begin()
    _, transaction = rp.login_page(login)
    form = {"tx": transaction, "action": "login", "citizen": HUNG}
    first = rp.browser.post(f"{rp.issuer}/authorize", data=form, allow_redirects=False,
                            timeout=5)
    second = rp.browser.post(f"{rp.issuer}/authorize", data=form, allow_redirects=False,
                             timeout=5)
    assert first.status_code == 303
    assert second.status_code == 400
    assert "Location" not in second.headers


def test_session_allows_prompt_none_until_logout(rp: RelyingParty) -> None:
    login = rp.begin()
    rp.code_for(login)
    silent = rp.browser.get(rp.begin(prompt="none").url, allow_redirects=False, timeout=5)
    assert silent.status_code == 302
    assert "code" in redirect_params(silent, REDIRECT_URI)
    page, _ = rp.login_page(rp.begin())
    assert "Tiếp tục với" in page.text  # the signed-in citizen is offered

    out = rp.browser.get(f"{rp.issuer}/logout", allow_redirects=False, timeout=5, params={
        "client_id": CLIENT_ID, "post_logout_redirect_uri": POST_LOGOUT_URI, "state": "bye"})
    assert out.status_code == 302
    assert redirect_params(out, POST_LOGOUT_URI) == {"state": "bye"}
    silent = rp.browser.get(rp.begin(prompt="none").url, allow_redirects=False, timeout=5)
    assert redirect_params(silent, REDIRECT_URI)["error"] == "login_required"


def test_logout_with_id_token_hint_and_unregistered_target(rp: RelyingParty) -> None:
    login = rp.begin()
    code = rp.code_for(login)
    id_token = rp.token_request(code=code, code_verifier=login.verifier).json()["id_token"]
    ok = rp.browser.get(f"{rp.issuer}/logout", allow_redirects=False, timeout=5, params={
        "id_token_hint": id_token, "post_logout_redirect_uri": POST_LOGOUT_URI})
    assert ok.status_code == 302
    assert ok.headers["Location"] == POST_LOGOUT_URI
    for params in ({"client_id": CLIENT_ID, "post_logout_redirect_uri": "https://evil.example/"},
                   {"post_logout_redirect_uri": POST_LOGOUT_URI},  # no client identified
                   {"id_token_hint": id_token[:-4] + "AAAA",
                    "post_logout_redirect_uri": POST_LOGOUT_URI}):
        refused = rp.browser.get(f"{rp.issuer}/logout", params=params, allow_redirects=False,
                                 timeout=5)
        assert refused.status_code == 400, params
        assert "Location" not in refused.headers, params
        assert "Bạn đã đăng xuất" in refused.text


def test_example_config_loads_and_bad_configs_say_why(tmp_path: Path) -> None:
    config = load_config(EXAMPLE_CONFIG)
    assert config.citizens
    assert all(c.so_dinh_danh.startswith("096") for c in config.citizens)
    assert config.client("govhub-demo") is not None
    bad_citizen = {"citizens": [{"so_dinh_danh": "096185000101", "ho_va_ten": "A",
                                 "ngay_sinh": "1985-03-12", "gioi_tinh": "Nam", "level": 2}]}
    with pytest.raises(ConfigError, match="Chữ số thứ 4"):
        config_from_dict(bad_citizen)
    with pytest.raises(ConfigError, match="level"):
        config_from_dict({"citizens": [{**bad_citizen["citizens"][0], "level": 3}]})
    with pytest.raises(ConfigError, match="unknown keys"):
        config_from_dict({"clientz": []})
    with pytest.raises(ConfigError, match="redirect_uris"):
        config_from_dict({"clients": [{"client_id": "a", "client_secret": "b",
                                       "redirect_uris": "http://x/cb"}]})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.json"):
        load_config(broken)


def test_signing_key_from_pem_keeps_its_kid(tmp_path: Path) -> None:
    pem = tmp_path / "key.pem"
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem.write_bytes(private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    kids = []
    for _ in range(2):
        with start_in_thread(SandboxConfig(signing_key_path=str(pem))) as running:
            kids.append(requests.get(f"{running.issuer}/jwks", timeout=5).json()[
                "keys"][0]["kid"])
    assert kids[0] == kids[1]


BLOCK_GOVHUB_AND_DJANGO = """
import runpy, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("django", "govhub", "govhub_gateway"):
            raise ImportError(f"the sandbox must not import {name}")
sys.meta_path.insert(0, Block())
runpy.run_module("govhub_sandbox.vneid", run_name="__main__")
"""


def test_command_line_entry_point_serves_discovery(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"clients": [{
        "client_id": "cli", "client_secret": "cli-secret",
        "redirect_uris": ["http://127.0.0.1:9/cb"]}]}), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-c", BLOCK_GOVHUB_AND_DJANGO, "--port", "0", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(20, process.kill)  # never let a stuck start hang the suite
    watchdog.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("VNeID sandbox: issuer http://127.0.0.1:"), (
            line + (process.stderr.read() if process.poll() is not None and process.stderr
                    else ""))
        issuer = line.split()[3].rstrip(",")
        metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5).json()
        assert metadata["issuer"] == issuer
        page = requests.get(f"{issuer}/authorize", timeout=5, params={
            "client_id": "cli", "redirect_uri": "http://127.0.0.1:9/cb", "response_type": "code",
            "scope": "openid", "state": "s"})
        assert page.status_code == 200
        assert "Nguyễn Văn Hùng" in page.text
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(timeout=10)
