"""Catalog fixtures: one entry of each visibility case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from govhub.kernel.actors import SYSTEM
from govhub.portal import services
from govhub.portal.models import Category, Kind, MiniApp


@pytest.fixture
def make_app(db: Any) -> Callable[..., MiniApp]:
    def make(code: str, **fields: Any) -> MiniApp:
        fields.setdefault("name_vi", code.replace("-", " ").title())
        fields.setdefault("name_en", fields["name_vi"])
        fields.setdefault("category", Category.PUBLIC_SERVICES)
        fields.setdefault("kind", Kind.EXTERNAL)
        fields.setdefault("url", f"https://{code}.example.vn/")
        return services.create_mini_app(actor=SYSTEM, code=code, **fields)

    return make
