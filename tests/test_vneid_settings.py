"""VNeID sign-in is configured by GOVHUB_VNEID_* variables: off unless complete, the secret
inline or in a file, claim names and levels as JSON; and `govhub demo` registers govhub at
the sandbox VNeID with the callback it really has."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from govhub.config.environment import VNEID_DEFAULT_CLAIMS, Environment
from govhub.demo import processes, vneid_environment, write_vneid_sandbox_config
from govhub_sandbox.vneid.config import load_config

DISCOVERY = "https://dichvucong.example/.well-known/openid-configuration"


@pytest.fixture(autouse=True)
def _no_vneid_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCOVERY_URL", "CLIENT_ID", "CLIENT_SECRET", "CLIENT_SECRET_FILE",
                 "SCOPES", "CLAIMS", "LEVELS", "ACR_VALUES"):
        monkeypatch.delenv(f"GOVHUB_VNEID_{name}", raising=False)


def test_off_by_default_and_on_when_complete(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Environment().vneid_enabled
    secret = tmp_path / "vneid-secret"
    secret.write_text("bi-mat-cua-cong\n")
    monkeypatch.setenv("GOVHUB_VNEID_DISCOVERY_URL", DISCOVERY)
    monkeypatch.setenv("GOVHUB_VNEID_CLIENT_ID", "govhub-camau")
    monkeypatch.setenv("GOVHUB_VNEID_CLIENT_SECRET_FILE", str(secret))
    monkeypatch.setenv("GOVHUB_VNEID_CLAIMS", '{"personal_id": "CCCD"}')
    monkeypatch.setenv("GOVHUB_VNEID_LEVELS", '{"urn:vneid:loa:2": 2}')
    env = Environment()
    assert env.vneid_enabled
    assert env.vneid_client_secret is not None
    assert env.vneid_client_secret.get_secret_value() == "bi-mat-cua-cong"
    assert env.vneid_scopes == "openid profile vneid"
    assert env.vneid_claims == {**VNEID_DEFAULT_CLAIMS, "personal_id": "CCCD"}
    assert env.vneid_levels == {"urn:vneid:loa:2": 2}


def test_acr_values_default_to_the_level_uris_highest_first(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bare "1" and "2" of the default mapping are level-claim values, not acr values.
    assert Environment().vneid_acr_values == ["vneid:level2", "vneid:level1"]
    monkeypatch.setenv("GOVHUB_VNEID_LEVELS",
                       '{"urn:vneid:loa:1": 1, "urn:vneid:loa:2": 2, "2": 2}')
    assert Environment().vneid_acr_values == ["urn:vneid:loa:2", "urn:vneid:loa:1"]
    monkeypatch.setenv("GOVHUB_VNEID_ACR_VALUES", "urn:vneid:loa:2")
    assert Environment().vneid_acr_values == ["urn:vneid:loa:2"]
    monkeypatch.setenv("GOVHUB_VNEID_ACR_VALUES", "")  # none asked for
    assert Environment().vneid_acr_values == []


@pytest.mark.parametrize(("values", "message"), [
    ({"vneid_discovery_url": DISCOVERY}, "GOVHUB_VNEID_CLIENT_ID"),
    ({"vneid_discovery_url": DISCOVERY, "vneid_client_id": "x", "vneid_client_secret": "y",
      "vneid_scopes": "profile vneid"}, "openid"),
    ({"vneid_claims": {"so_cccd": "CCCD"}}, "unknown keys"),
    ({"vneid_levels": {"vneid:level3": 3}}, "level 1 or 2"),
])
def test_mistakes_stop_the_start_with_a_message(values: dict[str, object],
                                                message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Environment(**values)  # type: ignore[arg-type]


def test_demo_registers_govhub_at_the_sandbox_with_its_real_callback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_vneid_sandbox_config(tmp_path / "vneid.json", vneid_url="http://127.0.0.1:8090",
                                      host="0.0.0.0", port=8123)  # noqa: S104
    config = load_config(path)  # the sandbox accepts it
    assert config.issuer == "http://127.0.0.1:8090"
    (client,) = config.clients
    assert client.redirect_uris == ("http://127.0.0.1:8123/login/vneid/callback/",
                                    "http://localhost:8123/login/vneid/callback/")
    assert client.backchannel_logout_uri == (
        "http://127.0.0.1:8123/login/vneid/backchannel-logout/")
    env = vneid_environment("http://127.0.0.1:8090")
    assert env["GOVHUB_VNEID_DISCOVERY_URL"] == (
        "http://127.0.0.1:8090/.well-known/openid-configuration")
    assert env["GOVHUB_VNEID_CLIENT_ID"] == client.client_id
    assert env["GOVHUB_VNEID_CLIENT_SECRET"] == client.client_secret
    command = processes("127.0.0.1", 8123, vneid_port=8090, vneid_config=path)["vneid"]
    assert command[-4:] == ["--port", "8090", "--config", str(path)]
    assert command[command.index("--host") + 1] == "127.0.0.1"  # never beyond loopback

    monkeypatch.setenv("GOVHUB_VNEID_DISCOVERY_URL", DISCOVERY)  # a provider of one's own
    assert vneid_environment("http://127.0.0.1:8090") == {}
