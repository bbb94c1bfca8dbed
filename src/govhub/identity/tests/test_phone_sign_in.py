"""Citizens sign in with a one-time code sent by SMS, end to end: govhub's pages, the HTTP
SMS client and the real sandbox brandname gateway on 127.0.0.1 (codes are read from its JSON
outbox, as a person reads them on their phone)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.test import Client

from govhub.identity.models import Account, AccountKind, SignInSession
from govhub.identity.people.services import accounts
from govhub.identity.phone import codes as phone_codes
from govhub.identity.sso.assurance import ACR_LEVEL_1
from govhub.identity.sso.oidc import account_claims
from govhub.kernel.actors import SYSTEM
from govhub.kernel.models import AuditEntry
from govhub_sandbox.serving import RunningApp, start_in_thread
from govhub_sandbox.sms import GatewayConfig, create_app

PHONE_PAGE = "/en/login/phone/"
CODE_PAGE = "/en/login/phone/code/"
REGISTER_PAGE = "/en/login/phone/register/"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sms_gateway() -> Iterator[RunningApp]:
    with start_in_thread(create_app(GatewayConfig(brandnames=("CAMAU-G",))),
                         name="sms-gateway") as running:
        yield running


@pytest.fixture(autouse=True)
def _through_the_sandbox(settings: Any, sms_gateway: RunningApp) -> Iterator[None]:
    """govhub sends through the sandbox; each test gets its own code and rate-limit
    counters (its own key prefix), so tests stay apart on a shared Redis too."""
    settings.GOVHUB_SMS = {**settings.GOVHUB_SMS, "BACKEND": "http", "TIMEOUT_SECONDS": 2.0,
                           "GATEWAY_URL": f"{sms_gateway.url}/api/sms/send"}
    settings.GOVHUB_PHONE_SIGN_IN = {**settings.GOVHUB_PHONE_SIGN_IN,
                                     "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    yield
    requests.delete(f"{sms_gateway.url}/_sandbox/faults", timeout=5).raise_for_status()
    requests.delete(f"{sms_gateway.url}/_sandbox/messages", timeout=5).raise_for_status()


def texts_to(gateway: RunningApp, phone: str) -> list[dict[str, Any]]:
    response = requests.get(f"{gateway.url}/_sandbox/messages", params={"phone": phone},
                            timeout=5)
    response.raise_for_status()
    return list(response.json()["messages"])


def latest_code(gateway: RunningApp, phone: str) -> str:
    messages = texts_to(gateway, phone)
    assert messages, f"no SMS reached {phone}"
    match = re.search(r"\b(\d{6})\b", messages[0]["message"])
    assert match, messages[0]
    return match.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def signed_in_account_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def ask_for_code(client: Client, phone: str, **extra: str) -> Any:
    return client.post(PHONE_PAGE, {"phone": phone, **extra})


def test_a_new_number_signs_up_and_signs_in_again_to_the_same_account(
    client: Client, settings: Any, tree: Any, sms_gateway: RunningApp
) -> None:
    response = ask_for_code(client, "0912 345 678")
    assert response.status_code == 302
    assert response["Location"].endswith("/login/phone/code/")
    [sms] = texts_to(sms_gateway, "0912345678")
    code = latest_code(sms_gateway, "0912345678")
    # Unaccented by default, so it fits one GSM-7 segment on every brandname route.
    assert sms["message"] == (f"Ma xac thuc CaMau-G cua ban la {code}. Het han sau 5 phut. "
                              "Khong chia se ma nay cho bat ky ai.")
    assert (sms["brandname"], sms["encoding"], sms["segments"]) == ("CAMAU-G", "GSM-7", 1)
    code_page = client.get(CODE_PAGE).content.decode()
    assert "<strong>0912 345 678</strong>. It is valid for 5 minutes." in code_page

    response = client.post(CODE_PAGE, {"code": code})
    assert response["Location"].endswith("/login/phone/register/")
    assert signed_in_account_id(client) is None  # not before the account exists
    page = client.get(REGISTER_PAGE).content.decode()
    assert tree.commune_a.name in page
    assert tree.department.name not in page  # only communes and wards are offered

    missing = client.post(REGISTER_PAGE, {"full_name": "Nguyễn Thị Mai", "commune": ""})
    assert missing.status_code == 200
    assert missing.context["form"].errors["commune"]
    assert 'value="Nguyễn Thị Mai"' in missing.content.decode()  # what was typed stays

    response = client.post(REGISTER_PAGE, {"full_name": " Nguyễn  Thị Mai ",
                                           "commune": str(tree.commune_a.pk)})
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    account = Account.objects.get(phone="0912345678")
    assert (account.kind, account.commune, account.full_name) == (
        AccountKind.CITIZEN, tree.commune_a, "Nguyễn Thị Mai")
    assert not account.has_usable_password()
    assert account.phone_verified_at is not None  # the code proved the number
    assert account_claims(account)["phone_number_verified"] is True
    assert signed_in_account_id(client) == str(account.pk)
    session = SignInSession.objects.get(account=account)
    assert (session.amr, session.acr) == (["sms"], ACR_LEVEL_1)
    created = AuditEntry.objects.get(action="create", target_id=str(account.pk))
    assert created.agency_id == tree.commune_a.pk
    assert "phone" in created.actor_label

    # Another day, another browser, the number written the international way.
    settings.GOVHUB_PHONE_SIGN_IN = {**settings.GOVHUB_PHONE_SIGN_IN, "RESEND_GAP_SECONDS": 0}
    other = Client()
    assert ask_for_code(other, "+84 912 345 678", next="/en/?tu=sms").status_code == 302
    response = other.post(CODE_PAGE, {"code": latest_code(sms_gateway, "0912345678")})
    assert response.status_code == 302
    assert response["Location"] == "/en/?tu=sms"
    assert signed_in_account_id(other) == str(account.pk)
    assert Account.objects.filter(phone__endswith="912345678").count() == 1


def test_five_wrong_codes_void_the_code(
    client: Client, tree: Any, make_citizen: Any, sms_gateway: RunningApp
) -> None:
    make_citizen(tree.commune_a, phone="0912000001")
    ask_for_code(client, "0912000001")
    code = latest_code(sms_gateway, "0912000001")
    for attempt in range(1, 5):
        response = client.post(CODE_PAGE, {"code": wrong(code)})
        assert response.status_code == 200
        left = 5 - attempt
        assert f"You can try {left} more time" in response.content.decode()
    response = client.post(CODE_PAGE, {"code": wrong(code)})
    assert "this code is cancelled" in response.content.decode()
    # The right code is no use any more: the person must ask for a new one.
    response = client.post(CODE_PAGE, {"code": code})
    assert response.status_code == 200
    assert "expired or has already been used" in response.content.decode()
    assert signed_in_account_id(client) is None


def test_four_wrong_codes_still_let_the_right_one_in(
    client: Client, tree: Any, make_citizen: Any, sms_gateway: RunningApp
) -> None:
    citizen = make_citizen(tree.commune_a, phone="+84912000002")  # stored the other way
    ask_for_code(client, "0912 000 002")
    code = latest_code(sms_gateway, "0912000002")
    for _ in range(4):
        client.post(CODE_PAGE, {"code": wrong(code)})
    response = client.post(CODE_PAGE, {"code": code})
    assert response.status_code == 302
    assert signed_in_account_id(client) == str(citizen.pk)


def test_a_second_code_within_a_minute_is_refused_with_when_to_retry(
    client: Client, sms_gateway: RunningApp
) -> None:
    assert ask_for_code(client, "0912 000 003").status_code == 302
    again = ask_for_code(client, "0912 000 003")
    assert again.status_code == 429
    assert 0 < int(again["Retry-After"]) <= 60
    page = again.content.decode()
    assert re.search(r"Too many codes requested\. Try again in \d+ seconds?\.", page)
    assert 'value="0912 000 003"' in page
    assert len(texts_to(sms_gateway, "0912000003")) == 1
    assert ask_for_code(client, "0912 000 004").status_code == 302  # another number is fine


def test_a_number_gets_at_most_five_codes_an_hour(
    client: Client, settings: Any, sms_gateway: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.GOVHUB_PHONE_SIGN_IN = {**settings.GOVHUB_PHONE_SIGN_IN, "RESEND_GAP_SECONDS": 0}
    # The limit counts per clock hour: pin the clock to mid-hour so the run can neither
    # straddle two hours nor end a few seconds before the next one.
    mid_hour = (int(time.time()) // 3600) * 3600 + 1800
    monkeypatch.setattr(phone_codes, "clock", lambda: mid_hour)
    for _ in range(5):
        assert ask_for_code(client, "0912000005").status_code == 302
    refused = ask_for_code(client, "0912000005")
    assert refused.status_code == 429
    assert re.search(r"Try again in \d+ minutes?\.", refused.content.decode())
    assert len(texts_to(sms_gateway, "0912000005")) == 5


def test_one_address_cannot_send_codes_to_many_numbers(
    client: Client, settings: Any, sms_gateway: RunningApp
) -> None:
    settings.GOVHUB_PHONE_SIGN_IN = {**settings.GOVHUB_PHONE_SIGN_IN,
                                     "CODES_PER_IP_PER_HOUR": 3}
    for number in ("0912000011", "0912000012", "0912000013"):
        assert ask_for_code(client, number).status_code == 302
    assert ask_for_code(client, "0912000014").status_code == 429
    assert texts_to(sms_gateway, "0912000014") == []
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert ask_for_code(elsewhere, "0912000014").status_code == 302


def test_when_the_gateway_is_down_the_page_says_so_and_keeps_the_number(
    client: Client, sms_gateway: RunningApp
) -> None:
    faults = f"{sms_gateway.url}/_sandbox/faults"
    requests.post(faults, json={"send": {"fail": True}}, timeout=5).raise_for_status()
    response = ask_for_code(client, "0912 000 021")
    assert response.status_code == 503
    page = response.content.decode()
    assert "We could not send the text message just now" in page
    assert 'value="0912 000 021"' in page
    assert client.get(CODE_PAGE)["Location"].endswith("/login/phone/")  # no code step
    # Back up: the person can try again at once (a failed send does not count as sent).
    requests.delete(faults, timeout=5).raise_for_status()
    assert ask_for_code(client, "0912 000 021").status_code == 302
    assert len(texts_to(sms_gateway, "0912000021")) == 1


def test_a_gateway_slower_than_the_timeout_is_reported_too(
    client: Client, settings: Any, sms_gateway: RunningApp
) -> None:
    settings.GOVHUB_SMS = {**settings.GOVHUB_SMS, "TIMEOUT_SECONDS": 0.3}
    requests.post(f"{sms_gateway.url}/_sandbox/faults", json={"send": {"delay_seconds": 1}},
                  timeout=5).raise_for_status()
    response = ask_for_code(client, "0912 000 022")
    assert response.status_code == 503
    assert 'value="0912 000 022"' in response.content.decode()


def _comparable(html: str, phone: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", html)
    html = re.sub(r"\d+ seconds?", "N seconds", html)
    return html.replace(phone, "PHONE").replace(f"{phone[:4]} {phone[4:7]} {phone[7:]}",
                                                "PHONE")


def test_known_and_unknown_numbers_get_the_same_answers(
    tree: Any, make_citizen: Any, sms_gateway: RunningApp
) -> None:
    make_citizen(tree.commune_a, phone="0912000031")
    seen = []
    for phone in ("0912000031", "0912000032"):  # the first has an account, not the second
        browser = Client()
        sent = ask_for_code(browser, phone)
        code_page = browser.get(sent["Location"])
        again = ask_for_code(browser, phone)
        wrong_code = browser.post(CODE_PAGE, {"code": wrong(latest_code(sms_gateway, phone))})
        seen.append([
            (sent.status_code, sent["Location"]),
            (code_page.status_code, _comparable(code_page.content.decode(), phone)),
            (again.status_code, _comparable(again.content.decode(), phone)),
            (wrong_code.status_code, _comparable(wrong_code.content.decode(), phone)),
        ])
        assert len(texts_to(sms_gateway, phone)) == 1  # a code goes to both
    assert seen[0] == seen[1]


def test_an_officials_number_does_not_sign_in_by_text_message(
    client: Client, tree: Any, make_official: Any, sms_gateway: RunningApp
) -> None:
    official = make_official(tree.department)
    accounts.update_account(actor=SYSTEM, account=official, phone="0912000041")
    ask_for_code(client, "0912000041")
    response = client.post(CODE_PAGE, {"code": latest_code(sms_gateway, "0912000041")})
    assert response.status_code == 200
    assert "Officials sign in with their username and password" in response.content.decode()
    assert signed_in_account_id(client) is None


def test_a_number_that_is_not_a_vietnamese_mobile_is_refused_next_to_the_field(
    client: Client, sms_gateway: RunningApp
) -> None:
    for typed in ("12345", "0290 3123 456", "+1 650 253 0000"):
        response = ask_for_code(client, typed)
        assert response.status_code == 200
        assert response.context["form"].errors["phone"]
        assert f'value="{typed}"' in response.content.decode()
    assert requests.get(f"{sms_gateway.url}/_sandbox/messages",
                        timeout=5).json()["messages"] == []


def test_the_sign_in_page_links_to_phone_sign_in(client: Client) -> None:
    page = client.get("/en/login/?next=/en/account/sessions/").content.decode()
    assert 'href="/en/login/phone/?next=/en/account/sessions/"' in page


def test_codes_are_single_use_expire_and_are_stored_only_hashed(
    settings: Any, sms_gateway: RunningApp
) -> None:
    from django.core.cache import cache

    phone_codes.send_code(phone="0912000051", client_ip="127.0.0.1")
    code = latest_code(sms_gateway, "0912000051")
    stored = cache.get(phone_codes._key("code", "0912000051"))
    assert code not in repr(stored)
    assert "912000051" not in phone_codes._key("code", "0912000051")
    assert phone_codes.verify_code(phone="0912000051", code=code).outcome is \
        phone_codes.Outcome.ACCEPTED
    assert phone_codes.verify_code(phone="0912000051", code=code).outcome is \
        phone_codes.Outcome.NO_CODE

    settings.GOVHUB_PHONE_SIGN_IN = {**settings.GOVHUB_PHONE_SIGN_IN, "CODE_TTL_SECONDS": 1,
                                     "RESEND_GAP_SECONDS": 0}
    phone_codes.send_code(phone="0912000051", client_ip="127.0.0.1")
    code = latest_code(sms_gateway, "0912000051")
    # A deliberate wait, not a poll: the code's one-second lifetime (a cache timeout) must
    # pass, and nothing observable changes before it does.
    time.sleep(1.1)
    assert phone_codes.verify_code(phone="0912000051", code=code).outcome is \
        phone_codes.Outcome.NO_CODE


def test_a_number_proven_by_a_code_stops_counting_as_verified_when_it_changes(
    client: Client, tree: Any, make_citizen: Any, sms_gateway: RunningApp
) -> None:
    citizen = make_citizen(tree.commune_a, phone="0987654321")
    assert account_claims(citizen)["phone_number_verified"] is False  # typed, never proven
    ask_for_code(client, "0987654321")
    client.post(CODE_PAGE, {"code": latest_code(sms_gateway, "0987654321")})
    citizen.refresh_from_db()
    assert account_claims(citizen)["phone_number_verified"] is True

    accounts.update_account(actor=SYSTEM, account=citizen, phone="0977000111")
    citizen.refresh_from_db()
    assert citizen.phone_verified_at is None
    assert account_claims(citizen)["phone_number_verified"] is False
