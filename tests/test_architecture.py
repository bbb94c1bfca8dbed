"""The dependency rules of architecture.md hold: checked by import-linter, and by importing
the gateway in a process where Django cannot be imported at all."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOVHUB = ROOT / "src" / "govhub"


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


def subscribe_calls(path: Path) -> list[int]:
    """Lines of ``path`` that call ``subscribe`` (bare or as ``events.subscribe``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            called = node.func
            name = called.id if isinstance(called, ast.Name) else \
                called.attr if isinstance(called, ast.Attribute) else ""
            if name == "subscribe":
                lines.append(node.lineno)
    return lines


def test_reactions_are_subscribed_in_config_subscriptions_only() -> None:
    """architecture.md: contexts never import each other to react; every reaction is one
    row of ``govhub.config.subscriptions``."""
    allowed = {GOVHUB / "config" / "subscriptions.py"}
    found = {path: subscribe_calls(path) for path in GOVHUB.rglob("*.py")
             if "tests" not in path.relative_to(GOVHUB).parts}
    assert found[GOVHUB / "config" / "subscriptions.py"]  # the scan sees the real call
    elsewhere = {str(path.relative_to(GOVHUB)): lines for path, lines in found.items()
                 if lines and path not in allowed}
    assert elsewhere == {}
