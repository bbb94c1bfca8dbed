"""`govhub <command>` other than `demo`, as a newcomer types it: beside a demo's data it uses
the demo's secrets; with none it says in one line what to set, without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from govhub.demo import demo_environment


def _govhub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVHUB_", "DJANGO_"))}
    return subprocess.run([sys.executable, "-m", "govhub", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_without_secrets_one_line_says_what_to_set(tmp_path: Path) -> None:
    result = _govhub("migrate", cwd=tmp_path)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "GOVHUB_SECRET_KEY" in lines[0]
    assert "GOVHUB_PII_KEY" in lines[0]
    assert "govhub demo" in lines[0]
    assert not (tmp_path / "var" / "govhub.sqlite3").exists()


def test_beside_a_demo_commands_use_its_secrets_and_data(tmp_path: Path,
                                                         monkeypatch) -> None:
    # The secrets `govhub demo` writes into ./var/secrets/ on its first run.
    for variable in ("GOVHUB_SECRET_KEY", "GOVHUB_SECRET_KEY_FILE", "GOVHUB_PII_KEY",
                     "GOVHUB_PII_KEY_FILE"):
        monkeypatch.delenv(variable, raising=False)
    demo_environment(tmp_path / "var")

    result = _govhub("migrate", "-v", "0", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "var" / "govhub.sqlite3").stat().st_size > 0
    # A second command reads what the first wrote: the same database, the same keys.
    check = _govhub("showmigrations", "identity", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert "[X] 0001_initial" in check.stdout
