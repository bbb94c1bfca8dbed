"""Consent (Law 91/2025): first-party apps skip it; a third-party app shows what it will
receive; the answer is recorded, reused for the same scopes, and can be taken back."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from typing import Any

import pytest
from django.test import Client as Browser

from govhub.identity import events as identity_events
from govhub.identity.models import Client, Consent
from govhub.identity.sso.services import clients, consents
from govhub.identity.sso.services.consents import record_consent, revoke_consent
from govhub.kernel import events
from govhub.kernel.actors import SYSTEM
from govhub.kernel.events import DomainEvent
from govhub.kernel.models import AuditEntry

REDIRECT = "https://du-lich.example/callback"


@pytest.fixture
def third_party(tree: Any) -> Client:
    client, _ = clients.register_client(
        actor=SYSTEM, agency=tree.department, name="Du lịch Cà Mau",
        client_type=Client.CLIENT_PUBLIC, authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT, skip_authorization=False,
        allowed_scopes="openid profile commune phone")
    return client


def authorize(browser: Browser, client: Client, scope: str, **extra: str) -> Any:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 50).digest()).rstrip(
        b"=").decode()
    return browser.get("/o/authorize/?" + urllib.parse.urlencode({
        "client_id": client.client_id, "response_type": "code", "scope": scope,
        "redirect_uri": REDIRECT, "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256", **extra}), HTTP_ACCEPT_LANGUAGE="vi")


def allow(browser: Browser, page: Any) -> Any:
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    return browser.post(page.wsgi_request.get_full_path(), {**data, "allow": "Authorize"})


def test_consent_is_asked_recorded_reused_and_revocable(
    client: Browser, tree: Any, make_citizen: Any, third_party: Client
) -> None:
    citizen = make_citizen(tree.commune_a)
    client.force_login(citizen)

    page = authorize(client, third_party, "openid profile commune")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Du lịch Cà Mau" in html
    assert "Xã, phường nơi bạn cư trú" in html  # what it will receive, in Vietnamese
    answered = allow(client, page)
    assert "code=" in answered["Location"]
    consent = Consent.objects.get(account=citizen, client=third_party, revoked_at=None)
    assert consent.scopes == ["commune", "openid", "profile"]

    again = authorize(client, third_party, "openid profile")  # within what was allowed
    assert again.status_code == 302
    assert "code=" in again["Location"]
    more = authorize(client, third_party, "openid phone")  # asks for more: asked again
    assert more.status_code == 200
    forced = authorize(client, third_party, "openid", prompt="consent")
    assert forced.status_code == 200

    apps = client.get("/account/apps/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Du lịch Cà Mau" in apps
    client.post("/account/apps/", {"consent": str(consent.pk)})
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert AuditEntry.objects.filter(action="withdraw_consent",
                                     target_id=str(consent.pk)).exists()
    assert AuditEntry.objects.filter(action="give_consent").exists()
    assert authorize(client, third_party, "openid profile").status_code == 200  # asked anew


def test_first_party_apps_skip_consent_and_record_none(
    client: Browser, tree: Any, make_citizen: Any
) -> None:
    first_party, _ = clients.register_client(
        actor=SYSTEM, agency=tree.province, name="CaMau-G", client_type=Client.CLIENT_PUBLIC,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE, redirect_uris=REDIRECT,
        skip_authorization=True)
    client.force_login(make_citizen(tree.commune_a))
    response = authorize(client, first_party, "openid profile")
    assert response.status_code == 302
    assert not Consent.objects.exists()


def test_nobody_revokes_another_persons_consent(
    client: Browser, tree: Any, make_citizen: Any, third_party: Client
) -> None:
    owner, other = make_citizen(tree.commune_a), make_citizen(tree.commune_a)
    consent = consents.record_consent(actor=owner, client=third_party,
                                               scopes=["openid"])
    client.force_login(other)
    client.post("/account/apps/", {"consent": str(consent.pk)})
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_a_tampered_revoke_form_is_harmless(client: Browser, tree: Any,
                                            make_citizen: Any) -> None:
    client.force_login(make_citizen(tree.commune_a))
    assert client.post("/account/apps/", {"consent": "không-phải-mã"}).status_code == 302


def test_prompt_none_is_silent_only_with_a_covering_consent(
    client: Browser, tree: Any, make_citizen: Any, third_party: Client
) -> None:
    citizen = make_citizen(tree.commune_a)
    client.force_login(citizen)
    before = authorize(client, third_party, "openid profile", prompt="none")
    assert "error=consent_required" in before["Location"]
    consents.record_consent(actor=citizen, client=third_party,
                                     scopes=["openid", "profile"])
    after = authorize(client, third_party, "openid profile", prompt="none")
    assert "code=" in after["Location"]
    wider = authorize(client, third_party, "openid profile phone", prompt="none")
    assert "error=consent_required" in wider["Location"]
    # A client cannot forge the server's marker with a header of its own.
    forged = client.get(before.wsgi_request.get_full_path().replace("profile", "phone"),
                        HTTP_GOVHUB_SILENT_CONSENT="1")
    assert "error=consent_required" in forged["Location"]


def test_giving_and_withdrawing_consent_are_published_after_commit(
    tree: Any, make_citizen: Any, third_party: Client, django_capture_on_commit_callbacks: Any
) -> None:
    citizen = make_citizen(tree.commune_a)
    heard: list[DomainEvent] = []
    events.subscribe(identity_events.ConsentGiven, heard.append)
    events.subscribe(identity_events.ConsentWithdrawn, heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            consent = record_consent(actor=citizen, client=third_party, scopes=["openid"])
            consent = record_consent(actor=citizen, client=third_party,
                                     scopes=["profile", "openid"])
        with django_capture_on_commit_callbacks(execute=True):
            revoke_consent(actor=citizen, consent=consent)
            revoke_consent(actor=citizen, consent=consent)  # already withdrawn: no event
    finally:
        events.unsubscribe(identity_events.ConsentGiven, heard.append)
        events.unsubscribe(identity_events.ConsentWithdrawn, heard.append)
    assert [(type(e).__name__, getattr(e, "scopes", None)) for e in heard] == [
        ("ConsentGiven", ("openid",)), ("ConsentGiven", ("openid", "profile")),
        ("ConsentWithdrawn", None)]
    withdrawn = heard[-1]
    assert isinstance(withdrawn, identity_events.ConsentWithdrawn)
    assert (withdrawn.consent_id, withdrawn.account_id, withdrawn.client_id) == (
        consent.pk, citizen.pk, third_party.client_id)
