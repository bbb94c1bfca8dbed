"""The SMS interface: the code message's text, Vietnamese numbers, and how the brandname
gateway client reports a gateway that refuses, fails or cannot be reached (against the real
sandbox gateway on 127.0.0.1)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from govhub.demo import processes, sms_environment
from govhub.identity.people.phone_numbers import display, normalise_mobile
from govhub.identity.phone import sms
from govhub_sandbox.serving import RunningApp, start_in_thread
from govhub_sandbox.sms import GatewayConfig, create_app


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningApp]:
    config = GatewayConfig(brandnames=("CAMAU-G",), api_key="khoa-api-thu")
    with start_in_thread(create_app(config), name="sms-gateway-client-test") as running:
        yield running


def sender(gateway: RunningApp, **overrides: Any) -> sms.BrandnameGatewaySender:
    return sms.BrandnameGatewaySender(**{
        "url": f"{gateway.url}/api/sms/send", "brandname": "CAMAU-G",
        "timeout_seconds": 2.0, "api_key": "khoa-api-thu", **overrides})


@pytest.mark.parametrize(("typed", "national"), [
    ("0912345678", "0912345678"), ("0912 345 678", "0912345678"),
    ("091.234.5678", "0912345678"), ("+84 912 345 678", "0912345678"),
    ("84912345678", "0912345678"), ("0084912345678", "0912345678"),
    ("0398-765-432", "0398765432"),
    ("0290 3123 456", None),  # a landline
    ("091234567", None), ("+1 650 253 0000", None), ("", None), ("số điện thoại", None),
])
def test_vietnamese_mobile_numbers_are_recognised(typed: str, national: str | None) -> None:
    assert normalise_mobile(typed) == national


def test_numbers_are_shown_as_people_write_them() -> None:
    assert display("0912345678") == "0912 345 678"


def test_the_code_message_is_unaccented_unless_configured(settings: Any) -> None:
    assert sms.sign_in_code_text("123456", 5).startswith(
        "Ma xac thuc CaMau-G cua ban la 123456. Het han sau 5 phut.")
    settings.GOVHUB_SMS = {**settings.GOVHUB_SMS, "ACCENTED": True, "SERVICE_NAME": "Cà Mau"}
    assert sms.sign_in_code_text("123456", 5).startswith(
        "Mã xác thực Cà Mau của bạn là 123456. Hết hạn sau 5 phút.")
    assert sms.fold_to_ascii("Đường Đồng Khởi, Phường Tân Thành") == \
        "Duong Dong Khoi, Phuong Tan Thanh"


def test_the_backend_is_chosen_by_setting(settings: Any) -> None:
    settings.GOVHUB_SMS = {**settings.GOVHUB_SMS, "BACKEND": "locmem"}
    assert isinstance(sms.sms_sender(), sms.LocmemSender)
    settings.GOVHUB_SMS = {**settings.GOVHUB_SMS, "BACKEND": "http",
                           "GATEWAY_URL": "http://127.0.0.1:9/api/sms/send"}
    chosen = sms.sms_sender()
    assert isinstance(chosen, sms.BrandnameGatewaySender)
    assert chosen.brandname == "CAMAU-G"


def test_a_message_reaches_the_gateway_with_the_brandname(gateway: RunningApp) -> None:
    message_id = sender(gateway).send("0912000061", "Ma xac thuc 123456")
    [stored] = requests.get(f"{gateway.url}/_sandbox/messages",
                            params={"phone": "0912000061"}, timeout=5).json()["messages"]
    assert stored["message_id"] == message_id
    assert stored["phone"] == "84912000061"
    assert stored["brandname"] == "CAMAU-G"


def test_a_refusal_is_not_retryable_and_an_outage_is(gateway: RunningApp) -> None:
    with pytest.raises(sms.SmsError) as refused:
        sender(gateway, brandname="BACLIEU").send("0912000062", "x")
    assert refused.value.retryable is False
    with pytest.raises(sms.SmsError) as unauthorised:
        sender(gateway, api_key="sai-khoa").send("0912000062", "x")
    assert unauthorised.value.retryable is False
    faults = f"{gateway.url}/_sandbox/faults"
    requests.post(faults, json={"send": {"fail": True}}, timeout=5).raise_for_status()
    try:
        with pytest.raises(sms.SmsError) as outage:
            sender(gateway).send("0912000062", "x")
        assert outage.value.retryable is True
    finally:
        requests.delete(faults, timeout=5).raise_for_status()


def test_an_unreachable_or_unconfigured_gateway_is_a_clear_failure() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = sms.BrandnameGatewaySender(url=f"http://127.0.0.1:{port}/api/sms/send",
                                             brandname="CAMAU-G", timeout_seconds=1.0)
    with pytest.raises(sms.SmsError) as error:
        unreachable.send("0912000063", "x")
    assert error.value.retryable is True
    with pytest.raises(sms.SmsError) as missing:
        sms.BrandnameGatewaySender(url=None, brandname="CAMAU-G").send("0912000063", "x")
    assert missing.value.retryable is False


def test_the_demo_runs_the_sandbox_gateway_and_points_sign_in_at_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOVHUB_SMS_BACKEND", raising=False)
    monkeypatch.delenv("GOVHUB_SMS_GATEWAY_URL", raising=False)
    command = processes("127.0.0.1", 8000, sms_port=8091)["sms"]
    assert command[1:] == ["-m", "govhub_sandbox.sms", "--host", "127.0.0.1", "--port", "8091"]
    assert sms_environment("http://127.0.0.1:8091") == {
        "GOVHUB_SMS_BACKEND": "http",
        "GOVHUB_SMS_GATEWAY_URL": "http://127.0.0.1:8091/api/sms/send"}
    monkeypatch.setenv("GOVHUB_SMS_GATEWAY_URL", "https://sms.example.vn/api/sms/send")
    assert sms_environment("http://127.0.0.1:8091") == {}  # the caller's gateway wins
