"""Settings come from GOVHUB_* variables only, and the defaults are the safe ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from govhub.config.environment import Environment

SETTINGS_PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
  "debug": settings.DEBUG, "engine": db["ENGINE"], "name": str(db["NAME"]),
  "init": db.get("OPTIONS", {}).get("init_command", ""),
  "secure_cookie": getattr(settings, "SESSION_COOKIE_SECURE", False),
  "csrf_secure": getattr(settings, "CSRF_COOKIE_SECURE", False),
  "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0),
  "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
  "cache": settings.CACHES["default"]["BACKEND"],
  "csp": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["default-src"],
  "tz": settings.TIME_ZONE, "lang": settings.LANGUAGE_CODE,
  "hasher": settings.PASSWORD_HASHERS[0],
}))
"""


def _settings_in_fresh_process(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVHUB_")}
    clean.update({"DJANGO_SETTINGS_MODULE": "govhub.config.settings",
                  "GOVHUB_DATA_DIR": str(tmp_path / "var")}, **env)
    return subprocess.run([sys.executable, "-c", SETTINGS_PROBE], env=clean, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)


def test_production_defaults_are_safe(tmp_path: Path) -> None:
    result = _settings_in_fresh_process(
        {"GOVHUB_SECRET_KEY": "k" * 50, "GOVHUB_PII_KEY": "p" * 40}, tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["secure_cookie"]
    assert values["csrf_secure"]
    assert values["ssl_redirect"]
    assert values["hsts"] >= 31_536_000
    assert values["csp"] == ["'self'"]
    assert values["tz"] == "Asia/Ho_Chi_Minh"
    assert values["lang"] == "vi"
    assert values["hasher"].endswith("PBKDF2PasswordHasher")  # passwords stay slow to crack
    # Embedded default: SQLite in WAL mode under the data directory, no Redis needed.
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].startswith(str(tmp_path / "var"))
    assert "journal_mode=WAL" in values["init"]
    assert "synchronous=FULL" in values["init"]
    assert values["cache"].endswith("LocMemCache")


def test_missing_secrets_stop_startup_with_a_clear_message(tmp_path: Path) -> None:
    result = _settings_in_fresh_process({}, tmp_path)
    assert result.returncode != 0
    assert "GOVHUB_SECRET_KEY" in result.stderr
    assert "GOVHUB_PII_KEY" in result.stderr


def test_secrets_can_come_from_files_and_services_from_urls(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("from-a-file-" + "x" * 40 + "\n")
    (tmp_path / "pii").write_text("pii-from-a-file\n")
    result = _settings_in_fresh_process({
        "GOVHUB_SECRET_KEY_FILE": str(tmp_path / "key"),
        "GOVHUB_PII_KEY_FILE": str(tmp_path / "pii"),
        "GOVHUB_DATABASE_URL": "postgres://govhub@db.internal:5432/govhub",
        "GOVHUB_REDIS_URL": "redis://cache.internal:6379/0",
        "GOVHUB_DEBUG": "true",
    }, tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "govhub"
    assert values["cache"].endswith("RedisCache")
    assert values["debug"] is True
    assert values["secure_cookie"] is False


def test_environment_parses_lists_and_secret_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secret").write_text("  s3cr3t\n")
    monkeypatch.setenv("GOVHUB_ALLOWED_HOSTS", "govhub.camau.gov.vn, 127.0.0.1")
    monkeypatch.setenv("GOVHUB_SECRET_KEY_FILE", str(tmp_path / "secret"))
    monkeypatch.delenv("GOVHUB_SECRET_KEY", raising=False)
    env = Environment()
    assert env.allowed_hosts == ["govhub.camau.gov.vn", "127.0.0.1"]
    assert env.secret_key is not None
    assert env.secret_key.get_secret_value() == "s3cr3t"


# The citizen app's access to the hub (its home cards).
def test_the_hub_key_may_come_from_a_file_and_cards_need_both_url_and_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "hub-key"
    key_file.write_text("ghk_from_file\n")
    monkeypatch.setenv("GOVHUB_HUB_GATEWAY_URL", "http://127.0.0.1:8080")
    monkeypatch.setenv("GOVHUB_HUB_API_KEY_FILE", str(key_file))
    environment = Environment()
    assert environment.hub_cards_enabled
    assert environment.hub_api_key is not None
    assert environment.hub_api_key.get_secret_value() == "ghk_from_file"
    assert environment.hub_client == "000.00.00.H12/chinhquyenso"
    monkeypatch.delenv("GOVHUB_HUB_GATEWAY_URL")
    assert not Environment().hub_cards_enabled  # the default: no cards
