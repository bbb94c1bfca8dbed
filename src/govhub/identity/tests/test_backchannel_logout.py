"""OpenID Connect Back-Channel Logout 1.0: signing out of govhub (or being signed out by an
administrator) reaches every app of the session with a signed logout token. The apps are
real HTTP servers on 127.0.0.1; the tokens are checked with joserfc, not govhub's code."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client as Browser
from joserfc import jwt
from joserfc.jwk import KeySet

from govhub.identity.models import Client, ClientSession, SignInSession
from govhub.identity.people import roles
from govhub.identity.sso.services import consents, sign_in
from tests.support.backchannel import LOGOUT_EVENT, VERIFIER, LogoutReceiver, register, use_app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def apps() -> Iterator[list[LogoutReceiver]]:
    started = [LogoutReceiver(), LogoutReceiver(), LogoutReceiver(status=503)]
    yield started
    for app in started:
        app.close()


def verified_claims(browser: Browser, token: str, client: Client) -> dict[str, Any]:
    keys = KeySet.import_key_set(browser.get("/o/.well-known/jwks.json").json())
    decoded = jwt.decode(token, keys)
    assert decoded.header["typ"] == "logout+jwt"
    claims = dict(decoded.claims)
    jwt.JWTClaimsRegistry(aud={"essential": True, "value": client.client_id},
                          iat={"essential": True}, jti={"essential": True}).validate(claims)
    return claims


@pytest.fixture
def official(tree: Any, make_official: Any) -> Any:
    return make_official(tree.commune_a, username="canbo.dangxuat")


def test_signing_out_reaches_every_app_of_the_session(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any, settings: Any
) -> None:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER,
                                "OIDC_ISS_ENDPOINT": "http://testserver"}
    first, second = register(tree, apps[0], "dat-dai"), register(tree, apps[1], "phan-anh")
    unused = register(tree, apps[2], "khong-dung")
    client.force_login(official)
    use_app(client, first)
    use_app(client, second)
    sid = client.session["govhub_sid"]

    assert client.post("/logout/").status_code == 200

    for app, registered in ((apps[0], first), (apps[1], second)):
        assert len(app.received) == 1, app.url
        claims = verified_claims(client, app.received[0], registered)
        assert claims["iss"] == "http://testserver"
        assert claims["sid"] == sid
        assert claims["sub"] == str(official.pk)
        assert claims["events"] == {LOGOUT_EVENT: {}}
        assert "nonce" not in claims  # §2.4: a logout token never carries one
    assert apps[2].received == []  # never used in this session
    assert unused.sessions.count() == 0
    delivered = ClientSession.objects.filter(sign_in_session__sid=sid)
    assert all(link.logout_delivered_at for link in delivered)


def test_an_administrator_ending_the_session_signs_the_browser_out_too(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any, make_official: Any
) -> None:
    app_client = register(tree, apps[0], "dat-dai")
    client.force_login(official)
    use_app(client, app_client)
    session = SignInSession.objects.get(account=official, ended_at__isnull=True)

    admin = make_official(tree.commune_a, roles.AGENCY_ADMIN)
    sign_in.end_sign_in(actor=admin, sign_in_session=session)

    assert len(apps[0].received) == 1
    # The browser's govhub session is gone: the next authorization asks to sign in.
    response = client.get("/o/authorize/?" + urllib.parse.urlencode({
        "client_id": app_client.client_id, "response_type": "code", "scope": "openid",
        "redirect_uri": app_client.redirect_uris, "code_challenge": "c" * 43,
        "code_challenge_method": "S256"}))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_failed_delivery_is_recorded_for_retry(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any
) -> None:
    failing = register(tree, apps[2], "dang-loi")
    client.force_login(official)
    use_app(client, failing)
    client.post("/logout/")
    link = ClientSession.objects.get(client=failing)
    assert len(apps[2].received) == 1  # it was tried …
    assert link.logout_delivered_at is None  # … and not counted as delivered
    assert link.logout_attempts == 1
    assert link.logout_last_error == "HTTP 503"


def test_signing_out_revokes_the_sessions_refresh_tokens(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any
) -> None:
    app_client = register(tree, apps[0], "dat-dai")
    client.force_login(official)
    code = use_app(client, app_client)
    tokens = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "client_id": app_client.client_id,
        "redirect_uri": app_client.redirect_uris, "code_verifier": VERIFIER}).json()
    client.post("/logout/")
    refreshed = Browser().post("/o/token/", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": app_client.client_id})
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


def test_signing_in_again_ends_the_replaced_session(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any
) -> None:
    from conftest import PASSWORD

    app_client = register(tree, apps[0], "dat-dai")
    client.post("/login/", {"username": official.username, "password": PASSWORD})
    use_app(client, app_client)
    first = client.session["govhub_sid"]
    client.post("/login/", {"username": official.username, "password": PASSWORD})
    assert client.session["govhub_sid"] != first
    assert SignInSession.objects.get(sid=first).ended_at is not None
    assert len(apps[0].received) == 1  # the replaced session's app was told


def test_a_code_issued_before_sign_out_cannot_be_exchanged_after(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any
) -> None:
    app_client = register(tree, apps[0], "dat-dai")
    client.force_login(official)
    code = use_app(client, app_client)
    client.post("/logout/")
    late = Browser().post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "client_id": app_client.client_id,
        "redirect_uri": app_client.redirect_uris, "code_verifier": VERIFIER})
    assert late.json()["error"] == "invalid_grant"


def test_withdrawing_consent_tells_the_app(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any
) -> None:
    app_client = register(tree, apps[0], "du-lich")
    client.force_login(official)
    use_app(client, app_client)
    consent = consents.record_consent(actor=official, client=app_client,
                                               scopes=["openid"])
    consents.revoke_consent(actor=official, consent=consent)
    assert len(apps[0].received) == 1
    assert verified_claims(client, apps[0].received[0], app_client)["sub"] == str(official.pk)


def test_logout_deliveries_are_written_in_the_sign_out_transaction(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any, settings: Any
) -> None:
    """With the production task backend (the database), a delivery exists exactly when the
    sign-out committed: a crash after the commit cannot lose it, a rollback leaves none."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    app_client = register(tree, apps[0], "dat-dai")
    client.force_login(official)
    use_app(client, app_client)
    session = SignInSession.objects.get(account=official, ended_at__isnull=True)

    def sign_out_then_fail() -> None:
        with transaction.atomic():
            sign_in.end_sign_in(actor=official, sign_in_session=session)
            assert DBTaskResult.objects.count() == 1
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError, match="crash before commit"):
        sign_out_then_fail()
    assert DBTaskResult.objects.count() == 0
    session.refresh_from_db()
    assert session.ended_at is None

    sign_in.end_sign_in(actor=official, sign_in_session=session)
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("deliver_logout_token")
    assert apps[0].received == []  # waiting for the worker, not sent inline


def test_one_logout_token_per_app_however_many_codes_it_got(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any
) -> None:
    """§2.5/§2.7: the logout token names the session (sid), not a code, so an app that
    obtained eight codes in one session is told once — and, when it is down, its failure
    is one delivery to retry, not eight."""
    busy, other = register(tree, apps[0], "dat-dai"), register(tree, apps[1], "phan-anh")
    down = register(tree, apps[2], "bao-tri")
    client.force_login(official)
    for _ in range(8):
        use_app(client, busy)
    use_app(client, other)
    for _ in range(3):
        use_app(client, down)
    sid = client.session["govhub_sid"]

    client.post("/logout/")

    assert len(apps[0].received) == 1
    assert verified_claims(client, apps[0].received[0], busy)["sid"] == sid
    assert len(apps[1].received) == 1
    assert len(apps[2].received) == 1
    links = ClientSession.objects.filter(sign_in_session__sid=sid)
    # What the administrators see: every link of the app carries the one outcome.
    assert all(link.logout_delivered_at for link in links.filter(client__in=[busy, other]))
    failed = links.filter(client=down)
    assert [(link.logout_attempts, link.logout_last_error) for link in failed] == \
        [(1, "HTTP 503")] * 3
    assert all(link.logout_delivered_at is None for link in failed)


def test_a_failed_delivery_is_tried_again_later_with_back_off(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from govhub.identity.sso.services.logout_deliveries import LOGOUT_RETRY, deliver_logout_token

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    failing = register(tree, apps[2], "dang-loi")
    client.force_login(official)
    use_app(client, failing)
    client.post("/logout/")
    link = ClientSession.objects.get(client=failing)
    DBTaskResult.objects.all().delete()  # the worker took the first attempt …
    started = timezone.now()
    deliver_logout_token.call(str(link.pk))  # … and it failed
    assert len(apps[2].received) == 1
    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs == {"args": [str(link.pk)], "kwargs": {"attempt": 1}}
    pause = LOGOUT_RETRY.ceiling_seconds(0)
    assert started + timedelta(seconds=pause * (1 - LOGOUT_RETRY.jitter_ratio)) <= retry.run_after
    assert retry.run_after <= timezone.now() + timedelta(seconds=pause)

    deliver_logout_token.call(str(link.pk), attempt=LOGOUT_RETRY.retries)  # the last one
    assert DBTaskResult.objects.count() == 1  # given up: nothing more queued
