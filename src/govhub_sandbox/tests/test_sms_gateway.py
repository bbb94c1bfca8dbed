"""The sandbox SMS gateway on a real socket: what it accepts, what it refuses and why, the
outbox it shows, and the faults it can be told to have."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from govhub_sandbox.serving import RunningApp, start_in_thread
from govhub_sandbox.sms import ConfigError, GatewayConfig, create_app
from govhub_sandbox.sms.encoding import GSM7, UCS2, encode

PHONE = "0912345678"
ACCENTED_CODE = "Mã xác thực CaMau-G của bạn là 123456. Hết hạn sau 5 phút."
PLAIN_CODE = "Ma xac thuc CaMau-G cua ban la 123456. Het han sau 5 phut."


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningApp]:
    config = GatewayConfig(brandnames=("CAMAU-G", "UBND-CAMAU"), max_segments=3)
    with start_in_thread(create_app(config), name="sms-sandbox-test") as running:
        yield running


@pytest.fixture(autouse=True)
def _empty(gateway: RunningApp) -> Iterator[None]:
    yield
    requests.delete(f"{gateway.url}/_sandbox/messages", timeout=5).raise_for_status()
    requests.delete(f"{gateway.url}/_sandbox/faults", timeout=5).raise_for_status()


def send(gateway: RunningApp, **overrides: Any) -> requests.Response:
    body = {"brandname": "CAMAU-G", "phone": PHONE, "message": PLAIN_CODE,
            "request_id": _next_id(), **overrides}
    return requests.post(f"{gateway.url}/api/sms/send", json=body, timeout=5)


_ids = iter(range(1, 1_000_000))


def _next_id() -> str:
    return f"test-{next(_ids)}"


def outbox(gateway: RunningApp, phone: str | None = None) -> list[dict[str, Any]]:
    params = {"phone": phone} if phone else {}
    response = requests.get(f"{gateway.url}/_sandbox/messages", params=params, timeout=5)
    response.raise_for_status()
    return list(response.json()["messages"])


def test_an_unaccented_message_is_accepted_as_one_gsm7_segment(gateway: RunningApp) -> None:
    response = send(gateway, request_id="dang-nhap-1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "accepted"
    assert body["phone"] == "84912345678"
    assert (body["encoding"], body["segments"]) == (GSM7, 1)
    # The outbox answers for the number in any of the forms people write it in.
    for form in ("0912345678", "84912345678", "+84912345678", "0912 345 678"):
        [stored] = outbox(gateway, form)
        assert stored["message"] == PLAIN_CODE
        assert stored["message_id"] == body["message_id"]
        assert stored["request_id"] == "dang-nhap-1"
    assert outbox(gateway, "0987654321") == []


def test_accented_vietnamese_is_ucs2_and_counted_in_70_and_67(gateway: RunningApp) -> None:
    body = send(gateway, message=ACCENTED_CODE).json()
    assert (body["encoding"], body["segments"]) == (UCS2, 1)
    long_text = "ư" * 71
    body = send(gateway, message=long_text).json()
    assert (body["encoding"], body["segments"]) == (UCS2, 2)


def test_segments_follow_3gpp_limits() -> None:
    assert encode("a" * 160).segments == 1
    assert encode("a" * 161).segments == 2  # 153 + 8
    assert encode("a" * 306).segments == 2
    assert encode("a" * 307).segments == 3
    assert encode("{" * 80).segments == 1  # extension characters take two septets
    assert encode("{" * 81).segments == 2
    assert encode("ă" * 70).segments == 1
    assert encode("ă" * 134).segments == 2
    assert encode("ă" * 135).segments == 3
    assert encode("😀" * 35).units == 70  # outside the BMP: two UTF-16 units each


def test_a_repeated_request_id_is_not_sent_twice(gateway: RunningApp) -> None:
    first = send(gateway, request_id="retry-me").json()
    second = send(gateway, request_id="retry-me").json()
    assert second["message_id"] == first["message_id"]
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    assert len(outbox(gateway, PHONE)) == 1


@pytest.mark.parametrize(("field", "value", "code"), [
    ("brandname", "CAMAU-GOVHUB", "invalid_brandname"),  # 12 characters: over 11
    ("brandname", "", "invalid_brandname"),
    ("brandname", "CÀ MAU", "invalid_brandname"),
    ("phone", "02903123456", "invalid_phone"),  # a landline (Cà Mau, 0290)
    ("phone", "091234567", "invalid_phone"),  # nine digits
    ("phone", "+1 650 253 0000", "invalid_phone"),
    ("message", "   ", "empty_message"),
    ("message", "a" * 460, "message_too_long"),  # 4 segments, this route takes 3
    ("message", "ư" * 202, "message_too_long"),
    ("request_id", "", "invalid_request_id"),
    ("request_id", "x" * 65, "invalid_request_id"),
])
def test_invalid_fields_are_refused_with_a_stable_code(
    gateway: RunningApp, field: str, value: str, code: str
) -> None:
    response = send(gateway, **{field: value})
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "invalid_request"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in body["errors"]]
    assert outbox(gateway) == []


def test_unknown_and_missing_fields_are_named(gateway: RunningApp) -> None:
    response = requests.post(f"{gateway.url}/api/sms/send", timeout=5, json={
        "brandname": "CAMAU-G", "phone": PHONE, "text": "Xin chao"})
    assert response.status_code == 400
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {("text", "unknown_field"), ("message", "required"),
                      ("request_id", "required")}
    not_json = requests.post(f"{gateway.url}/api/sms/send", data="brandname=CAMAU-G",
                             timeout=5)
    assert (not_json.status_code, not_json.json()["code"]) == (400, "invalid_json")


def test_a_brandname_not_registered_is_forbidden(gateway: RunningApp) -> None:
    response = send(gateway, brandname="BACLIEU")
    assert response.status_code == 403
    assert response.json()["code"] == "brandname_not_registered"
    assert send(gateway, brandname="UBND-CAMAU").status_code == 200


def test_an_ascii_only_route_refuses_accented_text() -> None:
    config = GatewayConfig(allow_unicode=False, api_key="khoa-thu")
    with start_in_thread(create_app(config)) as strict:
        body = {"brandname": "CAMAU-G", "phone": PHONE, "message": ACCENTED_CODE,
                "request_id": "a1"}
        url = f"{strict.url}/api/sms/send"
        assert requests.post(url, json=body, timeout=5).status_code == 401
        auth = {"Authorization": "Bearer khoa-thu"}
        refused = requests.post(url, json=body, headers=auth, timeout=5)
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["code"] == "unicode_not_allowed"
        accepted = requests.post(url, json={**body, "message": PLAIN_CODE}, headers=auth,
                                 timeout=5)
        assert accepted.status_code == 200


def test_configuration_is_checked() -> None:
    with pytest.raises(ConfigError):
        GatewayConfig(brandnames=("QUA-DAI-MUOI-MOT",))
    with pytest.raises(ConfigError):
        GatewayConfig(brandnames=())
    with pytest.raises(ConfigError):
        GatewayConfig(max_segments=0)


def test_the_outbox_page_shows_the_latest_messages_per_phone_in_vietnamese(
    gateway: RunningApp
) -> None:
    send(gateway, message="Ma cu 111111")
    send(gateway, message="Ma moi 222222")
    send(gateway, phone="0987654321", message="<script>alert(1)</script>")
    page = requests.get(f"{gateway.url}/", timeout=5)
    assert page.status_code == 200
    html = page.text
    assert '<html lang="vi">' in html
    assert "Hộp thư đi SMS" in html
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', html)
    assert 'href="/">Tải lại' in html
    assert "0912 345 678" in html
    assert "0987 654 321" in html
    # Newest phone first; within a phone, newest message first.
    assert html.index("0987 654 321") < html.index("0912 345 678")
    assert html.index("Ma moi 222222") < html.index("Ma cu 111111")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_faults_make_sending_fail_or_slow_and_then_recover(gateway: RunningApp) -> None:
    faults = f"{gateway.url}/_sandbox/faults"
    assert requests.post(faults, json={"send": {"fail_next": 1}}, timeout=5).ok
    failed = send(gateway)
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "1"
    assert failed.json()["code"] == "temporarily_unavailable"
    assert send(gateway).status_code == 200  # recovered by itself

    requests.post(faults, json={"send": {"fail": True}}, timeout=5).raise_for_status()
    assert requests.get(faults, timeout=5).json() == {
        "send": {"delay_seconds": 0.0, "fail": True, "fail_next": 0}}
    assert send(gateway).status_code == 503
    assert send(gateway).status_code == 503
    requests.delete(faults, timeout=5).raise_for_status()
    assert send(gateway).status_code == 200

    requests.post(faults, json={"send": {"delay_seconds": 0.5}}, timeout=5).raise_for_status()
    slow = {"brandname": "CAMAU-G", "phone": PHONE, "message": "x", "request_id": "slow"}
    with pytest.raises(requests.Timeout):
        requests.post(f"{gateway.url}/api/sms/send", timeout=0.2, json=slow)


@pytest.mark.parametrize("faults", [
    {"receive": {"fail": True}}, {"send": {"fail": "yes"}}, {"send": {"delay_seconds": -1}},
    {"send": {"fail_next": 1.5}}, {"send": {"explode": True}}, ["send"],
])
def test_invalid_faults_are_refused(gateway: RunningApp, faults: Any) -> None:
    response = requests.post(f"{gateway.url}/_sandbox/faults", json=faults, timeout=5)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_faults"
    assert requests.get(f"{gateway.url}/_sandbox/faults", timeout=5).json() == {}
