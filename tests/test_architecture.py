"""The dependency rules of architecture.md hold: checked by import-linter, and by importing
the gateway in a process where Django cannot be imported at all."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_pass() -> None:
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


BLOCK_DJANGO = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "django" or name.startswith(("django.", "govhub.")) or name == "govhub":
            raise ImportError(f"the gateway must not import {name}")
sys.meta_path.insert(0, Block())
import govhub_gateway, govhub_contracts.problem
print("ok")
"""


def test_gateway_imports_without_django() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCK_DJANGO], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# The notifications context will take over notification settings and push devices: until
# then only the seam module (and the model's own definition and migrations) may name them.
SEAM_MODELS = re.compile(r"\b(NotificationPreference|PushDevice)\b")
SEAM_ALLOWED = {"portal/models.py", "portal/notification_settings.py"}


def test_notification_settings_are_reached_through_their_seam_only() -> None:
    package = ROOT / "src" / "govhub"
    strays = sorted(
        str(path.relative_to(package)) for path in package.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
        and str(path.relative_to(package)) not in SEAM_ALLOWED
        and SEAM_MODELS.search(path.read_text(encoding="utf-8")))
    assert strays == []
