"""One paging shape for every list in the API: ``?page=&page_size=`` in, ``items``,
``count``, ``page`` and ``page_size`` out."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from govhub.kernel import problems
from govhub.kernel.errors import DomainError
from govhub_contracts.problem import FieldError

MAX_PAGE_SIZE = 100
# SQL OFFSET and LIMIT are signed 64-bit integers in PostgreSQL and SQLite; a page whose rows
# would start past that cannot exist, and the database would refuse the query.
MAX_ROW = 2**63 - 1


class PagePagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        if offset + pagination.page_size > MAX_ROW:
            detail = _("No page can start that far; ask for a smaller page number.")
            raise DomainError(problems.OUT_OF_RANGE, detail, errors=[
                FieldError(pointer="#/query/page", field="page", detail=detail,
                           code="out_of_range")])
        return {
            "items": queryset[offset : offset + pagination.page_size],
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }
