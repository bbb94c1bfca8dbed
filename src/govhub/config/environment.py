"""Typed deployment configuration, read once from ``GOVHUB_*`` environment variables.

Production changes only environment variables (ADR 0002): nothing here
reads a file that is not named by the environment. Every secret can be given either inline
(``GOVHUB_SECRET_KEY``) or as a path to a file holding it (``GOVHUB_SECRET_KEY_FILE``), the
convention of Docker and systemd credentials, so secrets stay out of process listings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]

SECRET_FIELDS = ("secret_key", "pii_key")
# Secrets a deployment may leave unset (the feature they unlock is then off).
OPTIONAL_SECRET_FIELDS = ("vneid_client_secret", "sms_api_key", "hub_api_key")
# VNeID claim names from public sources (verify with the onboarding documents), and the
# sandbox's acr values; both are configuration (GOVHUB_VNEID_CLAIMS, GOVHUB_VNEID_LEVELS).
VNEID_DEFAULT_CLAIMS = {"personal_id": "SoDinhDanh", "full_name": "HoVaTen",
                        "birth_date": "NgaySinh", "phone": "SoDienThoai", "level": "level"}
VNEID_DEFAULT_LEVELS = {"vneid:level1": 1, "vneid:level2": 2, "1": 1, "2": 2}


def default_acr_values(levels: dict[str, int]) -> list[str]:
    """The `acr` values of a level mapping (keys like "vneid:level2", not the bare "2" of
    a level claim), highest level first: the order of preference acr_values asks for."""
    return sorted((key for key in levels if ":" in key), key=lambda key: -levels[key])


class Environment(BaseSettings):
    """Everything a deployment may set. Defaults are the safe, production ones."""

    model_config = SettingsConfigDict(env_prefix="GOVHUB_", extra="ignore")

    debug: bool = False
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="postgres://… for production; SQLite under data_dir if unset"
    )
    # Persistent database connections (Django's CONN_MAX_AGE, seconds): each thread of the web
    # process keeps its connection between requests instead of opening one per request.
    # 0 closes it after every request, which the ASGI process forces (ADR 0017).
    database_conn_max_age: int = Field(default=600, ge=0)
    # Before reusing a kept connection, check it still works (Django's CONN_HEALTH_CHECKS),
    # so a database restart costs no failed request.
    database_conn_health_checks: bool = True
    redis_url: str | None = Field(default=None, description="cache and rate limits; optional")
    public_url: str = "http://127.0.0.1:8000"
    allowed_hosts: CommaList = ["127.0.0.1", "localhost"]
    csrf_trusted_origins: CommaList = []

    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    # Key for personal identification numbers (Personal Data Protection Law 91/2025):
    # encrypts them and keys their lookup digest. Losing it makes stored numbers unreadable.
    pii_key: SecretStr | None = None
    pii_key_file: Path | None = None

    behind_tls_proxy: bool = Field(
        default=True, description="production sits behind a TLS-terminating proxy"
    )
    hsts_seconds: int = 31_536_000
    webauthn_rp_id: str | None = Field(
        default=None, description="passkeys' relying-party id (a domain); the request's "
        "host if unset. Passkeys stop working if it changes.")
    api_rate_anonymous: str = "60/min"
    api_rate_authenticated: str = "1200/min"
    log_level: str = "INFO"
    # The web process (gunicorn, gthread workers; govhub/config/web_server.py, ADR 0017):
    # processes, which use the cores (more than one needs redis_url: the cache must be
    # shared), and threads per process, which wait on the database and the network.
    web_workers: int = Field(default=1, ge=1)
    web_threads: int = Field(default=8, ge=1)

    # Sign-in with VNeID through the national public-service portal's OpenID Connect login
    # (govhub as a relying party). Off unless the discovery URL, client id and secret are
    # all set. docs/decisions/0011-vneid-federation.md
    vneid_discovery_url: str | None = Field(
        default=None, description="the upstream's /.well-known/openid-configuration URL")
    vneid_client_id: str | None = None
    vneid_client_secret: SecretStr | None = None
    vneid_client_secret_file: Path | None = None
    vneid_scopes: str = "openid profile vneid"
    # RFC 6749 §2.3.1: how govhub authenticates at the upstream token endpoint.
    vneid_token_auth_method: Literal["client_secret_basic", "client_secret_post"] = (
        "client_secret_basic")  # noqa: S105 - a method name, not a secret
    vneid_redirect_uri: str | None = Field(
        default=None, description="callback registered upstream; default: this site's "
                                  "/login/vneid/callback/ as the browser reached it")
    # Which upstream claim holds what (JSON object; keys left out keep their defaults):
    # personal_id, full_name, birth_date, phone, level.
    vneid_claims: dict[str, str] = Field(default_factory=lambda: dict(VNEID_DEFAULT_CLAIMS))
    # Upstream `acr` (ID token) or `level` (user info) value → govhub assurance level 1 or 2
    # (JSON object; replaces the default mapping when set).
    vneid_levels: dict[str, int] = Field(default_factory=lambda: dict(VNEID_DEFAULT_LEVELS))
    # OIDC Core §3.1.2.1 acr_values, sent on the authorization request so that the upstream
    # puts the level it vouched for in the ID token's `acr` (many providers leave `acr` out
    # unless asked). Space-separated, in order of preference. Unset: the URI-like keys of
    # vneid_levels (those with a colon), highest level first; empty: none sent.
    vneid_acr_values: Annotated[list[str] | None, NoDecode] = None
    vneid_timeout_seconds: float = 10.0

    # SMS through a registered brand name (at most 11 characters), for sign-in
    # codes. "http": a brandname gateway's JSON API at sms_gateway_url (govhub demo points
    # it at the sandbox gateway); "locmem": kept in memory, sent nowhere (tests).
    sms_backend: Literal["http", "locmem"] = "http"
    sms_gateway_url: str | None = Field(
        default=None, description="the gateway's send endpoint, e.g. https://…/api/sms/send")
    sms_api_key: SecretStr | None = None
    sms_api_key_file: Path | None = None
    sms_brandname: str = Field(default="CAMAU-G", min_length=1, max_length=11)
    sms_service_name: str = "CaMau-G"  # the name a code message says it comes from
    # Many brandname routes take only unaccented text (GSM-7, 160 characters a segment).
    sms_accented: bool = False
    sms_timeout_seconds: float = 5.0

    # Every call govhub makes to another system (govhub.kernel.outbound_http): timeouts, and
    # how many times an idempotent request is tried again after a failure or a 429/502-504.
    outbound_connect_timeout_seconds: float = Field(default=3.05, gt=0)
    outbound_read_timeout_seconds: float = Field(default=10.0, gt=0)
    outbound_retries: int = Field(default=2, ge=0, le=10)

    # The citizen app's access to the integration hub, for its home-screen cards (reference
    # data): a consumer system of its own with an API key. Cards are off (the home page shows
    # none) unless the gateway URL and the key are both set.
    hub_gateway_url: str | None = Field(
        default=None, description="the hub gateway's consumer URL, e.g. http://127.0.0.1:8080")
    hub_client: str = Field(default="000.00.00.H12/chinhquyenso",
                            description="X-Road-Client: the citizen app's {member}/{system}")
    hub_api_key: SecretStr | None = None
    hub_api_key_file: Path | None = None
    # The citizen app's own OpenID Connect client (public, PKCE, RFC 7636). Unset: the
    # app's "Đăng nhập" goes straight to the sign-in page (govhub.portal.app_sign_in).
    app_client_id: str | None = Field(
        default=None, description="client id of the citizen app at govhub's own provider")

    @field_validator("allowed_hosts", "csrf_trusted_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _read_secret_files(self) -> Environment:
        for name in (*SECRET_FIELDS, *OPTIONAL_SECRET_FIELDS):
            path: Path | None = getattr(self, f"{name}_file")
            if getattr(self, name) is None and path is not None:
                setattr(self, name, SecretStr(path.read_text(encoding="utf-8").strip()))
        return self

    @field_validator("vneid_claims")
    @classmethod
    def _merge_vneid_claims(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(VNEID_DEFAULT_CLAIMS)
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}; "
                             f"known: {sorted(VNEID_DEFAULT_CLAIMS)}")
        return {**VNEID_DEFAULT_CLAIMS, **value}

    @field_validator("vneid_levels")
    @classmethod
    def _check_vneid_levels(cls, value: dict[str, int]) -> dict[str, int]:
        # Decree 69/2024/NĐ-CP has two levels; govhub's assurance ladder is the same.
        if any(level not in (1, 2) for level in value.values()):
            raise ValueError("each upstream value maps to level 1 or 2")
        return value or dict(VNEID_DEFAULT_LEVELS)

    @field_validator("vneid_acr_values", mode="before")
    @classmethod
    def _split_spaces(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_vneid(self) -> Environment:
        parts = {"GOVHUB_VNEID_DISCOVERY_URL": self.vneid_discovery_url,
                 "GOVHUB_VNEID_CLIENT_ID": self.vneid_client_id,
                 "GOVHUB_VNEID_CLIENT_SECRET":
                     self.vneid_client_secret or self.vneid_client_secret_file}
        missing = [name for name, value in parts.items() if not value]
        if missing and len(missing) < len(parts):
            raise ValueError("VNeID sign-in needs " + ", ".join(missing) + " as well")
        if "openid" not in self.vneid_scopes.split():
            raise ValueError("GOVHUB_VNEID_SCOPES must contain openid (OIDC Core §3.1.2.1)")
        if self.vneid_acr_values is None:
            self.vneid_acr_values = default_acr_values(self.vneid_levels)
        return self

    @property
    def vneid_enabled(self) -> bool:
        return bool(self.vneid_discovery_url and self.vneid_client_id
                    and self.vneid_client_secret)

    @property
    def hub_cards_enabled(self) -> bool:
        return bool(self.hub_gateway_url and self.hub_api_key)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'govhub.sqlite3').resolve()}"

    def missing_secrets(self) -> list[str]:
        return [f"GOVHUB_{name.upper()}" for name in SECRET_FIELDS if getattr(self, name) is None]

    def missing_secrets_message(self) -> str:
        """One line saying what to set; the settings and the ``govhub`` command both say it."""
        return ("Set " + " and ".join(self.missing_secrets()) + " (or the same name with _FILE "
                "pointing at a file). `govhub demo` generates them for a laptop demo.")
