"""Typed deployment configuration, read once from ``GOVHUB_*`` environment variables.

Production changes only environment variables (architecture.md, "Processes"): nothing here
reads a file that is not named by the environment. Every secret can be given either inline
(``GOVHUB_SECRET_KEY``) or as a path to a file holding it (``GOVHUB_SECRET_KEY_FILE``), the
convention of Docker and systemd credentials, so secrets stay out of process listings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]

SECRET_FIELDS = ("secret_key", "pii_key")


class Environment(BaseSettings):
    """Everything a deployment may set. Defaults are the safe, production ones."""

    model_config = SettingsConfigDict(env_prefix="GOVHUB_", extra="ignore")

    debug: bool = False
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="postgres://… for production; SQLite under data_dir if unset"
    )
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
    api_rate_anonymous: str = "60/min"
    api_rate_authenticated: str = "1200/min"
    log_level: str = "INFO"

    @field_validator("allowed_hosts", "csrf_trusted_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _read_secret_files(self) -> Environment:
        for name in SECRET_FIELDS:
            path: Path | None = getattr(self, f"{name}_file")
            if getattr(self, name) is None and path is not None:
                setattr(self, name, SecretStr(path.read_text(encoding="utf-8").strip()))
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'govhub.sqlite3').resolve()}"

    def missing_secrets(self) -> list[str]:
        return [f"GOVHUB_{name.upper()}" for name in SECRET_FIELDS if getattr(self, name) is None]
