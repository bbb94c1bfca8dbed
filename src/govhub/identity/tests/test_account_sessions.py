from __future__ import annotations

from typing import Any

import pytest
from conftest import PASSWORD
from django.test import Client

from govhub.identity.models import SignInSession


def test_a_person_sees_their_sessions_and_signs_out_everywhere(
    client: Client, tree: Any, make_official: Any
) -> None:
    official = make_official(tree.commune_a)
    phone = Client(HTTP_USER_AGENT="Điện thoại Android")
    assert phone.post("/login/", {"username": official.username,
                                  "password": PASSWORD}).status_code == 302
    client.force_login(official)
    page = client.get("/account/sessions/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Điện thoại Android" in page
    assert page.count("<li>") >= 2

    response = client.post("/account/sessions/")
    assert response.status_code == 302
    assert not SignInSession.objects.filter(account=official, ended_at__isnull=True).exists()
    # Both browsers are signed out, not only this one.
    assert phone.get("/account/sessions/").status_code == 302
    assert client.get("/account/sessions/").status_code == 302


@pytest.mark.django_db
def test_the_page_needs_a_sign_in(client: Client) -> None:
    response = client.get("/account/sessions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
