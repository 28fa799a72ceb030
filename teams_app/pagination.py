"""One pagination helper for pages and the API: a count query plus one page of rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from teams_app.extensions import db

T = TypeVar("T")
MAX_PER_PAGE = 200
MAX_PAGE = 10**6  # keeps OFFSET well inside the database's integer range


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to show, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
        shown = {1, self.pages, *range(self.page - size, self.page + size + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            previous = out[-1] if out else None
            if previous is not None and n - previous > 1:
                out.append(None)
            out.append(n)
        return out


def clamp(page: Any, per_page: Any, default: int = 25) -> tuple[int, int]:
    """Forgiving parsing for HTML pages (the API validates strictly with its schema)."""
    try:
        page_n = min(MAX_PAGE, max(1, int(page)))
    except (TypeError, ValueError):
        page_n = 1
    try:
        per = min(MAX_PER_PAGE, max(1, int(per_page)))
    except (TypeError, ValueError):
        per = default
    return page_n, per


def paginate(stmt: Select[Any], page: int, per_page: int, *, scalars: bool = True) -> Page[Any]:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    offset_stmt = stmt.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(offset_stmt)
    rows = list(result.unique().scalars() if scalars else result.all())
    return Page(items=rows, page=page, per_page=per_page, total=total or 0)


def paginate_parts(parts: Sequence[Select[Any]], page: int, per_page: int) -> Page[Any]:
    """One page across queries listed one after another (say, dated rows then undated ones),
    each ordered by its own index so the database stops after a page instead of sorting every
    row. One query counts every part; each part the page reaches is one more."""
    counts = db.session.execute(
        select(
            *(
                select(func.count()).select_from(p.order_by(None).subquery()).scalar_subquery()
                for p in parts
            )
        )
    ).one()
    skip = (page - 1) * per_page
    items: list[Any] = []
    for stmt, count in zip(parts, counts, strict=True):
        if len(items) >= per_page:
            break
        if skip >= count:
            skip -= count
            continue
        result = db.session.execute(stmt.limit(per_page - len(items)).offset(skip))
        items += list(result.unique().scalars())
        skip = 0
    return Page(items=items, page=page, per_page=per_page, total=sum(counts))
