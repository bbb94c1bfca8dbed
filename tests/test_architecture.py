"""The dependency rules of ARCHITECTURE.md hold: checked by import-linter, and by importing
the gateway in a process where Django cannot be imported at all."""

from __future__ import annotations

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
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ("django", "govhub", "ninja"):
            raise ImportError(f"the gateway must not import {name}")
sys.meta_path.insert(0, Block())
import govhub_gateway
# Every module of the gateway, the runner and ``python -m govhub_gateway`` included: importing
# only the package would load its ``__init__`` and prove nothing about the process that runs.
names = [info.name for info in pkgutil.walk_packages(govhub_gateway.__path__, "govhub_gateway.")
         if ".tests" not in info.name]
for name in names:
    importlib.import_module(name)
from govhub_gateway.runner import run
from govhub_gateway.__main__ import main
assert callable(run) and callable(main)
print(" ".join(sorted(names)))
"""


def test_gateway_imports_without_django() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCK_DJANGO], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    imported = set(result.stdout.split())
    assert {"govhub_gateway.runner", "govhub_gateway.__main__", "govhub_gateway.engine.server",
            "govhub_gateway.policy.gateway_policy", "govhub_gateway.evidence.spool",
            "govhub_gateway.control.snapshot_client"} <= imported
