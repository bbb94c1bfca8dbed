"""The Vietnamese message catalogue is complete, compiled and actually used.

Vietnamese is the platform's first language (LANGUAGE_CODE = "vi"): an English string
reaching a user is a bug. These tests fail when a msgid is left untranslated or fuzzy, when
django.mo was not recompiled after django.po changed, when a translation drops or renames a
placeholder, and when a new source string was never extracted into django.po.

To update the catalogue: ``make messages``, translate the new entries, commit both files.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

import govhub

PACKAGE_DIR = Path(govhub.__file__).resolve().parent
MESSAGES_DIR = Path(settings.LOCALE_PATHS[0]) / "vi" / "LC_MESSAGES"
PO_PATH = MESSAGES_DIR / "django.po"
MO_PATH = MESSAGES_DIR / "django.mo"

# printf-style conversions as Python's % operator reads them: %(name)s, %s, %d, %5.2f, %%.
PLACEHOLDER = re.compile(r"%%|%(?:\((?P<name>\w+)\))?[#0 +-]*\d*(?:\.\d+)?[sdiouxXeEfFgGcr]")
CODE_SPAN = re.compile(r"`[^`]+`")


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _live_entries() -> list[polib.POEntry]:
    return [entry for entry in _catalogue() if not entry.obsolete]


def _ident(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _placeholders(text: str) -> tuple[Counter[str], list[str]]:
    """(named placeholders as a multiset, positional ones in order)."""
    named: Counter[str] = Counter()
    positional: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        if match.group("name"):
            named[match.group(0)] += 1
        else:
            positional.append(match.group(0))
    return named, positional


class _NotInMo(gettext.NullTranslations):
    """Fallback that marks any msgid the compiled catalogue does not contain."""

    MARK = "\x00missing from django.mo\x00"

    def gettext(self, message: str) -> str:
        return self.MARK + message

    def pgettext(self, context: str, message: str) -> str:
        return self.MARK + message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.MARK + msgid1

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self.MARK + msgid1


def _compiled() -> gettext.GNUTranslations:
    with MO_PATH.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    catalogue.add_fallback(_NotInMo())
    return catalogue


# --- (a) complete: nothing untranslated, nothing fuzzy -------------------------------------

def test_catalogue_files_exist_where_settings_point() -> None:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing: run `make messages`"
    assert MO_PATH.is_file(), f"{MO_PATH} is missing: run `govhub compilemessages`"
    assert MESSAGES_DIR.is_relative_to(PACKAGE_DIR), "the catalogue must ship in the package"


def test_header_is_final_and_vietnamese() -> None:
    catalogue = _catalogue()
    assert not catalogue.metadata_is_fuzzy, "the header entry is still marked fuzzy"
    assert catalogue.metadata.get("Language") == "vi"
    assert "charset=UTF-8" in catalogue.metadata.get("Content-Type", "")


def test_catalogue_is_not_empty() -> None:
    assert len(_live_entries()) > 100


def test_every_entry_is_translated() -> None:
    untranslated = [entry.msgid for entry in _catalogue().untranslated_entries()]
    assert untranslated == [], f"{len(untranslated)} entries have no Vietnamese: {untranslated}"


def test_no_entry_is_fuzzy() -> None:
    fuzzy = [entry.msgid for entry in _catalogue().fuzzy_entries()]
    assert fuzzy == [], f"fuzzy entries are ignored at runtime, review them: {fuzzy}"


def test_no_obsolete_entries() -> None:
    obsolete = [entry.msgid for entry in _catalogue().obsolete_entries()]
    assert obsolete == [], f"run makemessages with --no-obsolete: {obsolete}"


# --- (b) compiled: django.mo says exactly what django.po says ------------------------------

def test_compiled_catalogue_matches_source() -> None:
    compiled = _compiled()
    stale = []
    for entry in _live_entries():
        if entry.msgid_plural:
            for index, expected in sorted(entry.msgstr_plural.items()):
                n = 1 if index == 0 else 2
                got = (compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                       if entry.msgctxt else
                       compiled.ngettext(entry.msgid, entry.msgid_plural, n))
                if got != expected:
                    stale.append((entry.msgid, expected, got))
        else:
            got = (compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt
                   else compiled.gettext(entry.msgid))
            if got != entry.msgstr:
                stale.append((entry.msgid, entry.msgstr, got))
    assert stale == [], (
        f"django.mo is stale, run `govhub compilemessages` in src/govhub: {stale[:10]}"
    )


def test_compiled_catalogue_has_nothing_extra() -> None:
    compiled = {_ident(entry) for entry in polib.mofile(str(MO_PATH)) if entry.msgid}
    source = {_ident(entry) for entry in _live_entries()}
    assert compiled - source == set(), "django.mo holds messages django.po no longer has"


# --- (c) placeholders and code spans survive translation -----------------------------------

def test_placeholder_pattern_reads_python_format() -> None:
    named, positional = _placeholders("%(a)s, %(b)d and %s of %d (100%%)")
    assert named == Counter({"%(a)s": 1, "%(b)d": 1})
    assert positional == ["%s", "%d", "%%"]


def test_translations_keep_every_placeholder() -> None:
    mismatched = []
    for entry in _live_entries():
        for source in filter(None, (entry.msgid, entry.msgid_plural)):
            expected = _placeholders(source)
            mismatched += [(entry.msgid, text) for text in _translations(entry)
                           if _placeholders(text) != expected]
    assert mismatched == [], f"placeholders differ from the msgid: {mismatched}"


def test_translations_keep_code_spans() -> None:
    mismatched = [
        (entry.msgid, text)
        for entry in _live_entries()
        for text in _translations(entry)
        if Counter(CODE_SPAN.findall(text)) != Counter(CODE_SPAN.findall(entry.msgid))
    ]
    assert mismatched == [], f"`code` spans must stay as in the msgid: {mismatched}"


# --- (d) Django serves the translations --------------------------------------------------

def test_problem_title_is_vietnamese() -> None:
    from govhub.kernel import problems

    with translation.override("vi"):
        assert str(problems.NOT_AUTHENTICATED.title) == "Cần đăng nhập"
        assert str(problems.RATE_LIMITED.title) == "Quá nhiều yêu cầu"
    with translation.override("en"):
        assert str(problems.NOT_AUTHENTICATED.title) == "Sign-in required"


def test_builtin_role_names_are_vietnamese() -> None:
    from govhub.identity.people import roles

    with translation.override("vi"):
        assert str(roles.BUILTIN_BY_CODE[roles.PLATFORM_ADMIN].name) == "Quản trị nền tảng"
        assert str(roles.BUILTIN_BY_CODE[roles.SCHEDULE_EDITOR].name) == (
            "Cán bộ nhập lịch công tác")
        assert str(roles.PERMISSIONS[roles.VIEW_AUDIT]) == "Xem nhật ký hệ thống"
    with translation.override("en"):
        assert str(roles.BUILTIN_BY_CODE[roles.PLATFORM_ADMIN].name) == "Platform administrator"


def test_model_labels_are_vietnamese() -> None:
    from govhub.identity.models import Account, AgencyKind, AssuranceLevel

    with translation.override("vi"):
        assert str(Account._meta.verbose_name) == "tài khoản"
        assert str(Account._meta.get_field("assurance_level").verbose_name) == "mức độ xác thực"
        assert str(AgencyKind.PEOPLES_COMMITTEE.label) == "Ủy ban nhân dân"
        assert str(AssuranceLevel.LEVEL_2.label) == "Mức 2"


def test_placeholders_still_format_in_vietnamese() -> None:
    with translation.override("vi"):
        text = translation.ngettext("Try again in %(seconds)d second.",
                                    "Try again in %(seconds)d seconds.", 30) % {"seconds": 30}
    assert text == "Vui lòng thử lại sau 30 giây."


def test_templates_render_in_vietnamese() -> None:
    from django.template.loader import render_to_string

    with translation.override("vi"):
        page = render_to_string("base.html")
    assert "Chuyển đến nội dung chính" in page
    assert "Đăng nhập" in page  # an anonymous visitor is offered sign-in, not the admin


# --- the catalogue covers every string in the source -------------------------------------

def _copy_sources(target: Path) -> None:
    """The package's translatable sources, without its locale directory (makemessages
    would otherwise write into the committed catalogue)."""
    shutil.copytree(
        PACKAGE_DIR, target,
        ignore=shutil.ignore_patterns("locale", "static", "__pycache__", "*.pyc", "*.mo",
                                      "*.po"),
    )


def test_catalogue_covers_every_source_string(tmp_path: Path, monkeypatch: Any) -> None:
    missing_tool = [tool for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib")
                    if shutil.which(tool) is None]
    if missing_tool:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"GNU gettext must be installed in CI: {missing_tool}", pytrace=False)
        pytest.skip(f"GNU gettext not installed: {missing_tool}")
    sources, locale = tmp_path / "govhub", tmp_path / "locale"
    _copy_sources(sources)
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[str(locale)]):
        call_command("makemessages", locale=["vi"], no_obsolete=True, verbosity=0)
    extracted = {_ident(entry) for entry in polib.pofile(str(locale / "vi/LC_MESSAGES/django.po"))}
    committed = {_ident(entry) for entry in _live_entries()}
    assert extracted - committed == set(), (
        "new source strings are not in django.po: run `make messages` and translate them"
    )
    assert committed - extracted == set(), "django.po holds strings the source no longer has"
