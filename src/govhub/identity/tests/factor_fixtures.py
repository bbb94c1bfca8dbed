"""Steps shared by the second-factor tests. Rate-limit counters are keyed by account id,
and every test makes new accounts, so tests never see each other's counters."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
from conftest import PASSWORD
from django.test import Client

from govhub.identity.models import SignInSession
from govhub.identity.second_factor.services import factors
from govhub.kernel.actors import SYSTEM


def with_app(account: Any) -> str:
    """Sets up an authenticator app for ``account``; returns its secret. The confirming
    code is the previous time step's, so the current one is still unused."""
    secret = pyotp.random_base32()
    factors.set_up_authenticator_app(actor=SYSTEM, account=account, secret=secret,
                                      code=pyotp.TOTP(secret).at(time.time() - 30))
    return secret


def password_step(client: Client, username: str, next_url: str | None = None,
                  path: str = "/login/") -> Any:
    data = {"username": username, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return client.post(path, data)


def secret_on_page(html: str) -> str:
    match = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", html)
    assert match, "the set-up page shows the key for typing by hand"
    return match.group(1).replace(" ", "")


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def last_sign_in(account: Any) -> SignInSession:
    return SignInSession.objects.filter(account=account).latest("authenticated_at")
