"""Guessing passwords stops after 5 failures for one username from one address (django-axes),
on the sign-in page and the admin's alike — and the answers never tell whether the username
exists."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import PASSWORD
from django.test import Client

from govhub.identity.people import roles

SIGN_IN = "/en/login/"
ADMIN_SIGN_IN = "/en/admin/login/?next=/en/admin/"


def attempt(client: Client, username: str, password: str, url: str = SIGN_IN) -> Any:
    return client.post(url, {"username": username, "password": password})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def official(tree: Any, make_official: Any) -> Any:
    return make_official(tree.department, username="canbo.khoa")


def test_four_failures_do_not_lock(client: Client, official: Any) -> None:
    for _ in range(4):
        response = attempt(client, "canbo.khoa", "sai-mat-khau")
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
    response = attempt(client, "canbo.khoa", PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_five_failures_lock_the_username_from_that_address_for_15_minutes(
    client: Client, official: Any
) -> None:
    for _ in range(4):
        assert attempt(client, "canbo.khoa", "sai-mat-khau").status_code == 200
    locked = attempt(client, "CanBo.Khoa", "sai-mat-khau")  # one counter, any letter case
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    page = locked.content.decode()
    assert "Too many failed sign-in attempts" in page
    assert "paused for 15 minutes" in page
    assert re.search(r"Please try again after \d\d:\d\d", page)

    # Even the right password is refused now …
    response = attempt(client, "canbo.khoa", PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)
    # … from this address: the same person elsewhere, and others here, are not locked out.
    elsewhere = Client(REMOTE_ADDR="203.0.113.7")
    assert attempt(elsewhere, "canbo.khoa", PASSWORD).status_code == 302
    assert attempt(client, "someone.else", "sai-mat-khau").status_code == 200


def test_the_admin_sign_in_locks_the_same_way(
    client: Client, tree: Any, make_official: Any
) -> None:
    make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.xa")
    for _ in range(4):
        assert attempt(client, "quantri.xa", "sai-mat-khau", ADMIN_SIGN_IN).status_code == 200
    assert attempt(client, "quantri.xa", "sai-mat-khau", ADMIN_SIGN_IN).status_code == 429
    response = attempt(client, "quantri.xa", PASSWORD, ADMIN_SIGN_IN)
    assert response.status_code == 429
    assert not is_signed_in(client)
    # The lock is per username and address, not per page.
    assert attempt(client, "quantri.xa", PASSWORD).status_code == 429


def test_the_admin_sign_in_is_not_locked_before_five(
    client: Client, tree: Any, make_official: Any
) -> None:
    make_official(tree.commune_a, roles.AGENCY_ADMIN, username="quantri.xa")
    for _ in range(4):
        attempt(client, "quantri.xa", "sai-mat-khau", ADMIN_SIGN_IN)
    response = attempt(client, "quantri.xa", PASSWORD, ADMIN_SIGN_IN)
    # The password is accepted; an administrator's role then asks for the second factor.
    assert response.status_code == 302
    assert response["Location"].startswith(("/en/admin/", "/en/login/second-factor/"))


def _comparable(html: str, username: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", html)
    html = re.sub(r"\d\d:\d\d", "HH:MM", html)
    return html.replace(username, "USERNAME")


def test_unknown_and_known_usernames_get_the_same_answers(official: Any) -> None:
    answers = []
    for username in ("canbo.khoa", "khong.ton.tai"):
        browser = Client()
        responses = [attempt(browser, username, "sai-mat-khau") for _ in range(6)]
        answers.append([(r.status_code, _comparable(r.content.decode(), username))
                        for r in responses])
    assert answers[0] == answers[1]
    assert [status for status, _ in answers[0]] == [200, 200, 200, 200, 429, 429]
