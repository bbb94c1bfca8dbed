"""Two admin screens: an account's second factors (seen, and reset, only by those who may
manage the account) and, on a sign-in session, which of its apps were told of the sign-out
(Back-Channel Logout 1.0), with the error of a failed delivery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client as Browser
from django.utils.formats import date_format
from django.utils.timezone import localtime

from govhub.identity.models import AuthenticatorApp, BackupCode, Passkey, Role, SignInSession
from govhub.identity.people import roles
from govhub.identity.people.services import grants
from govhub.identity.second_factor.passkeys import NewCredential
from govhub.identity.second_factor.services import factors
from govhub.identity.tests.factor_fixtures import (
    is_signed_in,
    password_step,
    with_app,
)
from govhub.kernel.actors import SYSTEM
from govhub.kernel.audit_actions import AuditAction
from govhub.kernel.models import AuditEntry
from tests.support.backchannel import LogoutReceiver, register, use_app

ACCOUNTS = "/admin/identity/account/"
SESSIONS = "/admin/identity/signinsession/"


def change_url(account: Any) -> str:
    return f"{ACCOUNTS}{account.pk}/change/"


def reset_url(account: Any) -> str:
    return f"{ACCOUNTS}{account.pk}/second-factors/reset/"


def add_passkey(account: Any, nickname: str) -> Passkey:
    passkey, _codes = factors.register_passkey(
        actor=SYSTEM, account=account, nickname=nickname,
        credential=NewCredential(credential_id=f"id-{nickname}", public_key=b"\x01",
                                 sign_count=0, transports=["usb"], is_synced=False))
    return passkey


def factors_of(account: Any) -> tuple[bool, int, int]:
    return (AuthenticatorApp.objects.filter(account=account).exists(),
            Passkey.objects.filter(account=account).count(),
            BackupCode.objects.filter(account=account).count())


def factor_block(page: Any) -> str:
    """The rendered "second factors" read-only field of an account's admin page."""
    assert page.status_code == 200
    for fieldset in page.context["adminform"]:
        for line in fieldset:
            for field in line:
                if field.is_readonly and field.field["name"] == "second_factors":
                    return str(field.contents())
    raise AssertionError("no second-factor block on the page")


def messages_of(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def operator(tree: Any, make_official: Any) -> Any:
    """An official of commune A whose role requires a second factor, with all three kinds."""
    official = make_official(tree.commune_a, roles.INTEGRATION_OPERATOR, username="vanhanh.ax")
    with_app(official)  # the first factor also brings the ten backup codes
    add_passkey(official, "Khóa USB của Vận hành")
    return official


@pytest.fixture
def commune_admin(tree: Any, make_official: Any) -> Any:
    return make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.ax")


@pytest.fixture
def other_commune_admin(tree: Any, make_official: Any) -> Any:
    return make_official(tree.commune_b, roles.AGENCY_ADMIN, username="quantri.lvl")


# --- Seeing the factors ------------------------------------------------------------------

def test_an_account_manager_sees_the_factors_on_the_account_page(
    client: Browser, operator: Any, commune_admin: Any
) -> None:
    client.force_login(commune_admin)
    page = client.get(change_url(operator))
    assert page.status_code == 200
    block = factor_block(page)
    assert "data-authenticator-app" in block
    assert "Khóa USB của Vận hành" in block  # the passkey, by its nickname
    assert block.count("data-passkey") == 1
    assert 'data-backup-codes-left="10"' in block
    assert reset_url(operator) in block


def test_an_administrator_of_another_commune_sees_no_factors(
    client: Browser, operator: Any, other_commune_admin: Any
) -> None:
    client.force_login(other_commune_admin)
    hidden = client.get(change_url(operator))
    assert (hidden.status_code, hidden["Location"]) == (302, "/admin/")  # as if absent
    assert client.get(reset_url(operator)).status_code == 404
    listed = client.get(ACCOUNTS, {"q": operator.username})
    assert "Khóa USB của Vận hành" not in listed.content.decode()


def test_a_viewer_who_may_not_manage_the_account_sees_no_factors(
    client: Browser, tree: Any, operator: Any, make_official: Any
) -> None:
    # No built-in role views accounts without managing them; a custom one can.
    viewer_role = Role.objects.create(code="account_viewer", name="Xem tài khoản",
                                      permissions=[roles.VIEW_AGENCY, roles.VIEW_ACCOUNT])
    viewer = make_official(tree.commune_a)
    grants.grant_role(actor=SYSTEM, account=viewer, role=viewer_role, agency=tree.commune_a)
    client.force_login(viewer)
    page = client.get(change_url(operator))
    assert page.status_code == 200  # the account itself is in view
    html = page.content.decode()
    assert operator.full_name in html
    assert "Khóa USB của Vận hành" not in html
    assert reset_url(operator) not in html
    assert client.get(reset_url(operator)).status_code == 404
    # Nor is the action offered on the list.
    assert "reset_second_factors" not in client.get(ACCOUNTS).content.decode()


# --- Resetting them ----------------------------------------------------------------------

def test_the_reset_action_asks_first_then_removes_every_factor_and_audits(
    client: Browser, operator: Any, commune_admin: Any
) -> None:
    client.force_login(commune_admin)
    selection = {"action": "reset_second_factors", "_selected_action": [str(operator.pk)]}
    confirm = client.post(ACCOUNTS, selection)
    assert confirm.status_code == 200
    assert "Khóa USB của Vận hành" in confirm.content.decode()  # what is about to go
    assert factors_of(operator) == (True, 1, 10)  # nothing removed yet

    done = client.post(ACCOUNTS, {**selection, "post": "yes"}, follow=True)
    assert factors_of(operator) == (False, 0, 0)
    shown = messages_of(done)
    assert [level for level, _ in shown] == ["success"]
    assert operator.username in shown[0][1]
    entry = AuditEntry.objects.get(target_type="identity.secondfactor",
                                   target_id=str(operator.pk))
    assert (entry.action, entry.actor_id) == (AuditAction.DELETE, commune_admin.pk)
    assert entry.before == {"authenticator_app": True, "passkeys": ["Khóa USB của Vận hành"],
                            "backup_codes": 10}

    # The official's next password sign-in goes to setting up a factor, not past it.
    browser = Browser()
    assert password_step(browser, "vanhanh.ax")["Location"] == "/login/second-factor/"
    assert browser.get("/login/second-factor/")["Location"] == "/login/second-factor/set-up/"
    assert not is_signed_in(browser)


def test_the_account_page_button_resets_one_account(
    client: Browser, tree: Any, make_official: Any, commune_admin: Any
) -> None:
    # A role that does not require a second factor: afterwards the password alone signs in.
    handler = make_official(tree.commune_a, roles.REPORT_HANDLER, username="xuly.ax")
    with_app(handler)
    client.force_login(commune_admin)
    confirm = client.get(reset_url(handler))
    assert confirm.status_code == 200
    assert factors_of(handler) == (True, 0, 10)

    done = client.post(reset_url(handler))
    assert (done.status_code, done["Location"]) == (302, change_url(handler))
    assert factors_of(handler) == (False, 0, 0)
    assert [level for level, _ in messages_of(done)] == ["success"]
    browser = Browser()
    assert password_step(browser, "xuly.ax")["Location"] == "/"
    assert is_signed_in(browser)


def test_nobody_resets_the_factors_of_another_communes_official(
    client: Browser, operator: Any, other_commune_admin: Any
) -> None:
    client.force_login(other_commune_admin)
    client.post(ACCOUNTS, {"action": "reset_second_factors",
                           "_selected_action": [str(operator.pk)], "post": "yes"})
    assert client.post(reset_url(operator)).status_code == 404
    assert factors_of(operator) == (True, 1, 10)
    assert not AuditEntry.objects.filter(target_type="identity.secondfactor").exists()


def test_an_administrator_cannot_reset_their_own_factors(
    client: Browser, commune_admin: Any
) -> None:
    with_app(commune_admin)
    client.force_login(commune_admin)
    done = client.post(ACCOUNTS, {"action": "reset_second_factors",
                                  "_selected_action": [str(commune_admin.pk)], "post": "yes"},
                       follow=True)
    assert [level for level, _ in messages_of(done)] == ["error"]
    assert factors_of(commune_admin) == (True, 0, 10)


# --- Back-channel logout outcomes on a sign-in session -------------------------------------

@pytest.fixture
def receivers() -> Iterator[tuple[LogoutReceiver, LogoutReceiver]]:
    started = (LogoutReceiver(), LogoutReceiver(status=503))
    yield started
    for receiver in started:
        receiver.close()


def test_the_session_page_lists_each_apps_logout_delivery(
    client: Browser, tree: Any, make_official: Any, commune_admin: Any,
    other_commune_admin: Any, receivers: tuple[LogoutReceiver, LogoutReceiver],
) -> None:
    working, failing = receivers
    official = make_official(tree.commune_a, username="canbo.dangxuat")
    browser = Browser()
    browser.force_login(official)
    use_app(browser, register(tree, working, "dat-dai"))
    use_app(browser, register(tree, failing, "phan-anh"))
    session = SignInSession.objects.get(account=official)

    client.force_login(commune_admin)
    before = client.get(f"{SESSIONS}{session.pk}/change/")
    rows = before.context["inline_admin_formsets"][0]
    assert len(rows.formset.forms) == 2

    browser.post("/logout/")
    assert len(working.received) == len(failing.received) == 1  # both were tried
    page = client.get(f"{SESSIONS}{session.pk}/change/")
    assert page.status_code == 200
    by_app = {}
    for inline_form in page.context["inline_admin_formsets"][0]:
        cells = {field.field["name"]: field.contents()
                 for fieldset in inline_form for line in fieldset for field in line}
        by_app[cells["app"]] = cells
    assert set(by_app) == {"dat-dai", "phan-anh"}
    assert by_app["phan-anh"]["last_error"] == "HTTP 503"
    assert by_app["phan-anh"]["attempts"] == "1"
    assert by_app["phan-anh"]["logout_delivered"] == "—"  # not delivered
    assert by_app["dat-dai"]["last_error"] == "—"
    told_at = SignInSession.objects.get(pk=session.pk).client_sessions.get(
        client__name="dat-dai").logout_delivered_at
    assert by_app["dat-dai"]["logout_delivered"] == date_format(
        localtime(told_at), "SHORT_DATETIME_FORMAT")
    assert by_app["dat-dai"]["logout_outcome"] != by_app["phan-anh"]["logout_outcome"]
    html = page.content.decode()
    assert "HTTP 503" in html
    assert html.count("data-client-session") == 2
    assert "ClientSession object" not in html  # rows are named by their app, not a key
    # Read-only: nothing in the inline can be edited or deleted.
    assert "client_sessions-0-DELETE" not in html

    client.force_login(other_commune_admin)
    hidden = client.get(f"{SESSIONS}{session.pk}/change/")
    assert (hidden.status_code, hidden["Location"]) == (302, "/admin/")
