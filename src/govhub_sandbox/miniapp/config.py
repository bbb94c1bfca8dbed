"""The mini-app's settings. Secrets (its OpenID client secret, its API key at the integration
hub) come from a file or an environment variable, never from the command line, where any
local user could read them in the process list."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The land registry's service on the hub: member (Sở Nông nghiệp và Môi trường) / system /
# service, as X-Road names it (the hub's REST path is /r1/{member}/{system}/{service}/…).
DEFAULT_SERVICE_PATH = "/r1/000.00.03.H12/datdai/thuadat"
DEFAULT_HUB_CLIENT = "000.00.03.H12/tracuuthuadat"
# X-Road-Issue names why the data is asked for; a lookup by the person themself.
DEFAULT_ISSUE = "TRACUU-DD"
CLIENT_SECRET_ENV = "TRACUU_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
HUB_KEY_ENV = "TRACUU_HUB_KEY"


class ConfigError(Exception):
    """A setting is missing or unreadable; the message says which."""


def read_secret(path: Path | None, env: str) -> str | None:
    """The secret in the environment variable ``env``, else in the file ``path`` (its first
    line), else None."""
    value = os.environ.get(env, "").strip()
    if value:
        return value
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from error
    return text.splitlines()[0].strip() if text else None


@dataclass(frozen=True)
class Settings:
    issuer: str  # the OpenID provider (govhub), e.g. http://127.0.0.1:8000
    client_id: str
    client_secret: str
    public_url: str  # where browsers reach this app; the redirect URI hangs off it
    gateway_url: str  # the hub's gateway, or a provider reached directly (tests)
    service_path: str = DEFAULT_SERVICE_PATH
    hub_client: str = DEFAULT_HUB_CLIENT
    hub_issue: str = DEFAULT_ISSUE
    hub_key_file: Path | None = None
    scopes: str = "openid profile"
    session_seconds: int = 8 * 3600  # a working day; govhub's back-channel logout ends it early
    http_timeout_seconds: float = 10.0

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url.rstrip('/')}/callback"

    @property
    def home_url(self) -> str:
        return f"{self.public_url.rstrip('/')}/"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def hub_key(self) -> str | None:
        """Read at each call, so a key issued or rotated later is used without a restart."""
        try:
            return read_secret(self.hub_key_file, HUB_KEY_ENV)
        except ConfigError:
            return None

    def land_url(self, path: str) -> str:
        return f"{self.gateway_url.rstrip('/')}{self.service_path.rstrip('/')}{path}"
