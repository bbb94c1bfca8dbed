"""An app registered for single sign-on and a bearer token obtained through it (code flow
with PKCE, RFC 7636), for the tests of govhub's own API with OAuth 2 bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from typing import Any

from django.test import Client as Browser

from govhub.identity.models import Client
from govhub.identity.sso.services import clients
from govhub.kernel.actors import SYSTEM

REDIRECT = "https://mot-cua.camau.example/callback"
VERIFIER = "v" * 64


def app(tree: Any, scopes: str) -> Client:
    client, _ = clients.register_client(
        actor=SYSTEM, agency=tree.province, name=f"App {scopes}", redirect_uris=REDIRECT,
        client_type=Client.CLIENT_PUBLIC, skip_authorization=True, allowed_scopes=scopes,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE)
    return client


def token_through_sign_in(browser: Browser, client: Client, scope: str) -> str:
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
    answer = browser.get("/o/authorize/?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": REDIRECT,
        "scope": scope, "code_challenge": challenge, "code_challenge_method": "S256"}))
    assert answer.status_code == 302, answer.content
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(answer["Location"]).query)["code"][0]
    issued = browser.post("/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": client.client_id, "code_verifier": VERIFIER})
    assert issued.status_code == 200, issued.content
    return str(issued.json()["access_token"])


