"""Fixtures shared by every context's tests: a small agency tree (province, People's
Committee, a department, two communes), officials holding any built-in role, and a rule for
tests that need real services (PostgreSQL, Redis)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(variable: str) -> str:
    """The URL of a real service for this test. On a fresh machine (no such variable) the
    test is skipped; in CI (CI=true) a missing service fails the run instead."""
    value = os.environ.get(variable)
    if not value:
        if IN_CI:
            pytest.fail(f"{variable} must be set when CI=true", pytrace=False)
        pytest.skip(f"{variable} not set: needs a running service")
    return value


CHROMIUM = "/usr/bin/chromium"


# docs/testing.md, browser tests: Debian's Chromium, headless, loopback only.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test module (Playwright's sync API); tests make contexts."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=require_chromium(),
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def require_chromium() -> str:
    """The system Chromium for browser tests (Debian's package; Playwright cannot download
    browsers here). A fresh laptop without it skips them; CI (CI=true) must have it —
    .ci/run installs it."""
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it", pytrace=False)
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@dataclass
class Tree:
    province: Any
    committee: Any
    department: Any
    unit: Any
    commune_a: Any
    commune_b: Any


@pytest.fixture
def tree(db: Any) -> Tree:
    from govhub.identity.models import AgencyKind
    from govhub.identity.organisation.services import agencies
    from govhub.kernel.actors import SYSTEM

    def agency(parent: Any, kind: str, name: str, **extra: Any) -> Any:
        return agencies.create_agency(actor=SYSTEM, parent=parent, kind=kind, name=name, **extra)

    province = agency(None, AgencyKind.PROVINCE, "Tỉnh Cà Mau", admin_unit_code="96")
    committee = agency(province, AgencyKind.PEOPLES_COMMITTEE, "UBND tỉnh Cà Mau",
                       electronic_id_code="000.00.00.H12")
    department = agency(committee, AgencyKind.DEPARTMENT, "Sở Khoa học và Công nghệ")
    unit = agency(department, AgencyKind.UNIT, "Trung tâm Chuyển đổi số")
    commune_a = agency(province, AgencyKind.WARD, "Phường An Xuyên", admin_unit_code="32002")
    commune_b = agency(province, AgencyKind.WARD, "Phường Lý Văn Lâm", admin_unit_code="32014")
    return Tree(province, committee, department, unit, commune_a, commune_b)


PASSWORD = "mật-khẩu-thử-nghiệm-42"  # noqa: S105 - test accounts only


@pytest.fixture
def make_official(db: Any) -> Callable[..., Any]:
    """make_official(agency, role_code=None, username=None) → an official, optionally
    holding a built-in role in that agency. Its password is ``conftest.PASSWORD``."""
    from govhub.identity.models import Role
    from govhub.identity.people.services import accounts, grants
    from govhub.kernel.actors import SYSTEM

    counter = iter(range(1, 10_000))

    def make(agency: Any, role_code: str | None = None, username: str | None = None) -> Any:
        number = next(counter)
        account = accounts.create_account(
            actor=SYSTEM, username=username or f"canbo{number}", full_name=f"Cán bộ {number}",
            agency=agency, kind="official", password=PASSWORD,
        )
        if role_code:
            grants.grant_role(actor=SYSTEM, account=account,
                              role=Role.objects.get(code=role_code), agency=agency)
        return account

    return make


@pytest.fixture
def make_citizen(db: Any) -> Callable[..., Any]:
    from govhub.identity.people.services import accounts
    from govhub.kernel.actors import SYSTEM

    counter = iter(range(1, 10_000))

    def make(commune: Any, **fields: Any) -> Any:
        number = next(counter)
        return accounts.create_account(
            actor=SYSTEM, username=fields.pop("username", f"congdan{number}"),
            full_name=fields.pop("full_name", f"Công dân {number}"), kind="citizen",
            commune=commune, **fields,
        )

    return make
