"""Relying parties that receive back-channel logout tokens (OpenID Connect Back-Channel Logout
1.0) on real HTTP servers on 127.0.0.1, registered with govhub and opened signed in."""

from __future__ import annotations

import base64
import hashlib
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.test import Client as Browser

from govhub.identity.models import Client
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM

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


def register(tree: Any, app: LogoutReceiver, name: str) -> Client:
    client, _ = clients.register_client(
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
