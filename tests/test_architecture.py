"""The dependency rules of ARCHITECTURE.md hold: checked by import-linter, by importing
the gateway in a process where Django cannot be imported at all, and by finding no import
cycle between the modules of ``src/``."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Mapping, Set
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("govhub", "govhub_gateway", "govhub_contracts", "govhub_sandbox")
GOVHUB = ROOT / "src" / "govhub"


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


def _is_test_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return ".tests." in f"{module}." or last.startswith("test_") or last == "conftest"


def _cycles(imports: Mapping[str, Set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative so deep import chains cannot exhaust the stack): each one is a cycle."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(sorted(imports[root])))]
        index[root] = lowest[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = lowest[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(imports[target]))))
                elif target in on_stack:
                    lowest[module] = min(lowest[module], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowest[parent] = min(lowest[parent], lowest[module])
            if lowest[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    found = _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()})
    assert found == [["a", "b", "c"]]


def test_no_import_cycle_between_modules() -> None:
    """A cycle makes the import order decide what works and hides which part depends on
    which. Imports only for type checking (``if TYPE_CHECKING:``) do not count: they never
    run."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    modules = {module for module in graph.modules if not _is_test_module(module)}
    imports = {module: graph.find_modules_directly_imported_by(module) & modules
               for module in modules}
    cycles = _cycles(imports)
    assert not cycles, "\n".join(" ↔ ".join(cycle) for cycle in cycles)


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
    """ARCHITECTURE.md: contexts never import each other to react; every reaction is one
    row of ``govhub.config.subscriptions``."""
    allowed = {GOVHUB / "config" / "subscriptions.py"}
    found = {path: subscribe_calls(path) for path in GOVHUB.rglob("*.py")
             if "tests" not in path.relative_to(GOVHUB).parts}
    assert found[GOVHUB / "config" / "subscriptions.py"]  # the scan sees the real call
    elsewhere = {str(path.relative_to(GOVHUB)): lines for path, lines in found.items()
                 if lines and path not in allowed}
    assert elsewhere == {}
