"""OpenID Connect Back-Channel Logout 1.0: signing out of govhub (or being signed out by an
administrator) reaches every app of the session with a signed logout token. The apps are
real HTTP servers on 127.0.0.1; the tokens are checked with joserfc, not govhub's code."""

from __future__ import annotations

import base64
import hashlib
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client as Browser
from joserfc import jwt
from joserfc.jwk import KeySet

from govhub.identity import roles, services
from govhub.identity.models import Client, ClientSession, SignInSession
from govhub.kernel.actors import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class LogoutReceiver:
    """A relying party's back-channel logout endpoint that records what it receives."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[str] = []
        self.status = status
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                app.received.extend(form.get("logout_token", []))
                self.send_response(app.status)
                self.send_header("Cache-Control", "no-store")  # §2.8
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def apps() -> Iterator[list[LogoutReceiver]]:
    started = [LogoutReceiver(), LogoutReceiver(), LogoutReceiver(status=503)]
    yield started
    for app in started:
        app.close()


def register(tree: Any, app: LogoutReceiver, name: str) -> Client:
    client, _ = services.register_client(
        actor=SYSTEM, agency=tree.commune_a, name=name, client_type=Client.CLIENT_PUBLIC,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"https://{name}.example/cb", skip_authorization=True,
        backchannel_logout_uri=app.url)
    return client


VERIFIER = "v" * 50


def use_app(browser: Browser, client: Client) -> str:
    """Opens the app signed in (a code is issued for it); returns the code, whose PKCE
    verifier is VERIFIER."""
    verifier = VERIFIER
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode()
    response = browser.get("/o/authorize/?" + urllib.parse.urlencode({
        "client_id": client.client_id, "response_type": "code", "scope": "openid",
        "redirect_uri": client.redirect_uris, "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"}))
    assert response.status_code == 302
    assert "code=" in response["Location"]
    return urllib.parse.parse_qs(urllib.parse.urlparse(response["Location"]).query)["code"][0]


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
    services.end_sign_in(actor=admin, sign_in_session=session)

    assert len(apps[0].received) == 1
    # The browser's govhub session is gone: the next authorization asks to sign in.
    response = client.get("/o/authorize/?client_id=" + app_client.client_id)
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
    consent = services.consents.record_consent(actor=official, client=app_client,
                                               scopes=["openid"])
    services.consents.revoke_consent(actor=official, consent=consent)
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
            services.end_sign_in(actor=official, sign_in_session=session)
            assert DBTaskResult.objects.count() == 1
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError, match="crash before commit"):
        sign_out_then_fail()
    assert DBTaskResult.objects.count() == 0
    session.refresh_from_db()
    assert session.ended_at is None

    services.end_sign_in(actor=official, sign_in_session=session)
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("deliver_logout_token")
    assert apps[0].received == []  # waiting for the worker, not sent inline


def test_a_failed_delivery_is_tried_again_later_with_back_off(
    client: Browser, tree: Any, apps: list[LogoutReceiver], official: Any, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from govhub.identity.tasks import LOGOUT_RETRY, deliver_logout_token

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
