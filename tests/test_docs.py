"""The documentation a newcomer reads stays true to the repository: the README stays short,
every relative link and anchor resolves, every configuration variable the code reads is
documented (and nothing else is), and no comment or page cites what a reader of the
repository cannot open (a tracker issue, a document kept outside it)."""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

from govhub.config.environment import Environment
from govhub_gateway.config import PREFIX as GATEWAY_PREFIX
from govhub_gateway.config import add_arguments

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", "var", "node_modules", "lighthouse"}
README_MAX_LINES = 150


def repository_files(*suffixes: str) -> list[Path]:
    return sorted(path for path in ROOT.rglob("*")
                  if path.is_file() and path.suffix in suffixes
                  and not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts))


MARKDOWN_FILES = repository_files(".md")


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped (letters with
    diacritics kept), spaces turned into hyphens."""
    text = heading.strip().lower()
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


def parsed(path: Path) -> tuple[set[str], list[str]]:
    """The anchors of a Markdown file's headings and the targets of its links."""
    tokens = MarkdownIt("commonmark").enable("table").parse(path.read_text(encoding="utf-8"))
    anchors: set[str] = set()
    links: list[str] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            anchors.add(github_slug(tokens[index + 1].content.replace("`", "")))
        for child in token.children or ():
            if child.type == "link_open":
                links.append(str(child.attrGet("href")))
    return anchors, links


def test_the_readme_is_an_introduction_not_a_manual() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES
    # It starts with what govhub is, then the two commands.
    assert lines[0] == "# govhub"
    assert any(line.startswith("make demo") for line in lines)
    assert any(line.startswith("make test") for line in lines)


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_and_anchors_resolve(path: Path) -> None:
    _, links = parsed(path)
    broken = []
    for href in links:
        parts = urlsplit(href)
        if parts.scheme or href.startswith("//"):
            continue  # an outside address: not checked offline
        target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        if not target.exists():
            broken.append(f"{href}: no such file")
        elif parts.fragment and target.suffix == ".md":
            anchors, _ = parsed(target)
            if unquote(parts.fragment) not in anchors:
                broken.append(f"{href}: no such heading")
    assert not broken, broken


def documented_variables() -> set[str]:
    """The variables named in the first column of the page's tables."""
    lines = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8").splitlines()
    first_cells = (line.split("|")[1] for line in lines if line.startswith("| `GOVHUB_"))
    return {name for cell in first_cells for name in re.findall(r"`(GOVHUB_[A-Z0-9_]+)`", cell)}


def control_plane_variables() -> set[str]:
    prefix = str(Environment.model_config.get("env_prefix", "")).upper()
    return {prefix + name.upper() for name in Environment.model_fields}


def gateway_variables() -> set[str]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    names = {action.dest for action in parser._actions if action.dest.isupper()}
    return {GATEWAY_PREFIX + name for name in names | {"TOKEN"}}


def test_every_configuration_variable_is_documented_and_no_other() -> None:
    variables = control_plane_variables() | gateway_variables()
    documented = documented_variables()
    assert variables - documented == set(), "read by the code, missing from the page"
    assert documented - variables == set(), "on the page, read by nothing"


# Built from parts so that this file does not match its own patterns.
OUTSIDE_CITATION = re.compile(
    r"\b[Ii]ssue\s+\d|\b[Ii]ssue \d's|"
    r"(?<![/\w])(?:" + "|".join(("conventions", "architecture", "domain")) + r")\.md\b")
CITING_FILES = [*repository_files(".py", ".md", ".html", ".js", ".toml", ".txt", ".po"),
                ROOT / "Makefile", ROOT / ".ci" / "run"]


def test_comments_and_pages_cite_only_what_the_repository_holds() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in CITING_FILES
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if OUTSIDE_CITATION.search(line)]
    assert not found, "\n".join(found)
