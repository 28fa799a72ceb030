"""Read side of impact stories: the feed with its filters, which of a page's stories I cheered,
the month's ranking, the featured story and the archive of featured stories.

Every function runs a fixed number of queries whatever the number of stories and cheers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from teams_app.extensions import db
from teams_app.models import Cheer, Department, ImpactStory, User
from teams_app.stories.services import month_bounds, this_month


@dataclass
class StoryFilter:
    kind: str | None = None
    department_id: int | None = None
    month: str | None = None  # "YYYY-MM", on occurred_on
    q: str | None = None

    def as_args(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _options() -> list[Any]:
    return [
        joinedload(ImpactStory.author).joinedload(User.department),
        joinedload(ImpactStory.department),
        joinedload(ImpactStory.initiative),
        joinedload(ImpactStory.barrier),
    ]


def _escaped(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


def feed_query(f: StoryFilter, *, include_hidden: bool = False) -> Select[Any]:
    """Stories matching the filter, newest first. Hidden stories are left out unless
    ``include_hidden`` (leadership sees them, flagged)."""
    stmt = select(ImpactStory).options(*_options())
    if not include_hidden:
        stmt = stmt.where(ImpactStory.hidden.is_(False))
    if f.kind:
        stmt = stmt.where(ImpactStory.kind == f.kind)
    if f.department_id:
        stmt = stmt.where(ImpactStory.department_id == f.department_id)
    if f.month:
        start, end = month_bounds(f.month)
        stmt = stmt.where(ImpactStory.occurred_on >= start, ImpactStory.occurred_on < end)
    if f.q:
        pattern = _escaped(f.q)
        stmt = stmt.where(
            or_(
                ImpactStory.title.ilike(pattern, escape="\\"),
                ImpactStory.body.ilike(pattern, escape="\\"),
            )
        )
    return stmt.order_by(
        ImpactStory.occurred_on.desc(), ImpactStory.created_at.desc(), ImpactStory.id.desc()
    )


def cheered_by(user: User, story_ids: list[int]) -> set[int]:
    """Which of these stories ``user`` has cheered: one query for a whole page."""
    if not story_ids:
        return set()
    rows = db.session.scalars(
        select(Cheer.story_id).where(Cheer.user_id == user.id, Cheer.story_id.in_(story_ids))
    )
    return set(rows)


def month_ranking(month: str | None = None, limit: int = 100) -> list[ImpactStory]:
    """The month's visible stories (by when they happened), most cheered first."""
    start, end = month_bounds(month or this_month())
    stmt = (
        select(ImpactStory)
        .options(*_options())
        .where(
            ImpactStory.hidden.is_(False),
            ImpactStory.occurred_on >= start,
            ImpactStory.occurred_on < end,
        )
        .order_by(ImpactStory.cheer_count.desc(), ImpactStory.created_at, ImpactStory.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def featured(month: str | None = None) -> ImpactStory | None:
    """The month's Impact Story of the Month (visible), or None."""
    stmt = (
        select(ImpactStory)
        .options(*_options())
        .where(ImpactStory.featured_month == (month or this_month()), ImpactStory.hidden.is_(False))
    )
    return db.session.scalars(stmt).unique().one_or_none()


def featured_for_home() -> ImpactStory | None:
    """This month's story, else the latest month's: one query."""
    stmt = (
        select(ImpactStory)
        .options(*_options())
        .where(
            ImpactStory.featured_month.is_not(None),
            ImpactStory.featured_month <= this_month(),
            ImpactStory.hidden.is_(False),
        )
        .order_by(ImpactStory.featured_month.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).unique().first()


def archive(limit: int = 240) -> list[ImpactStory]:
    """Every month's featured story, newest month first."""
    stmt = (
        select(ImpactStory)
        .options(*_options())
        .where(ImpactStory.featured_month.is_not(None), ImpactStory.hidden.is_(False))
        .order_by(ImpactStory.featured_month.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def stories_of_barrier(barrier_id: int) -> list[ImpactStory]:
    """Visible stories linked to a barrier (the barrier page links back to them)."""
    stmt = (
        select(ImpactStory)
        .where(ImpactStory.barrier_id == barrier_id, ImpactStory.hidden.is_(False))
        .order_by(ImpactStory.id)
        .limit(20)
    )
    return list(db.session.scalars(stmt))


def department_choices() -> list[Department]:
    """Departments that have stories, for the feed's filter."""
    return list(
        db.session.scalars(
            select(Department)
            .where(Department.id.in_(select(ImpactStory.department_id)))
            .order_by(Department.name)
        )
    )
