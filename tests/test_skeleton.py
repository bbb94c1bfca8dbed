"""The tests' own rules (docs/testing.md), checked on the source: no test module imports
another test module (a helper two modules need lives in tests/support), and no test waits
with a bare sleep (poll with ``eventually``; a sleep that must let a timeout elapse says so
in a comment containing "deliberate")."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", "var", "node_modules"}
POLLING = ROOT / "tests" / "support" / "polling.py"  # the one place that waits between polls
SLEEP = "time." + "sleep("  # built from parts so that this file does not match itself


def sources_of_tests() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.py")
                  if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
                  and ("tests" in path.relative_to(ROOT).parts or path.name == "conftest.py"))


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_no_test_module_imports_another() -> None:
    offending = [f"{path.relative_to(ROOT)}:{line}: {module}"
                 for path in sources_of_tests()
                 for line, module in imported_modules(ast.parse(path.read_text()))
                 if module.rsplit(".", 1)[-1].startswith("test_")]
    assert not offending, "\n".join(offending)


def test_no_bare_sleep_in_tests() -> None:
    offending = []
    for path in sources_of_tests():
        if path == POLLING:
            continue
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, 1):
            if SLEEP in line:
                comment = line + "\n".join(lines[max(0, number - 4):number - 1])
                if "deliberate" not in comment.lower():
                    offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offending, "\n".join(offending)
