"""Read side of barriers and actions: the register with its counts, a CSV export, "my actions",
the barriers and actions of a team or initiative, a barrier's history.

Every function runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, case, func, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from teams_app import cache
from teams_app.activity import Subject
from teams_app.barriers.services import today_for as today
from teams_app.extensions import db
from teams_app.models import (
    Action,
    ActionStatus,
    Activity,
    Barrier,
    BarrierStatus,
    Department,
    Initiative,
    Team,
    User,
    utcnow,
)

UNRESOLVED = "unresolved"  # a pseudo-status: open or addressing
CLOSED = "closed"  # removed or accepted
ALL = "all"  # every status (the register page shows unresolved ones unless asked)

SORTS: dict[str, tuple[Any, ...]] = {
    "oldest": (Barrier.reported_at.asc(), Barrier.id),
    "newest": (Barrier.reported_at.desc(), Barrier.id.desc()),
    "severity": (Barrier.severity_rank.desc(), Barrier.reported_at.asc(), Barrier.id),
    "support": (Barrier.support_count.desc(), Barrier.reported_at.asc(), Barrier.id),
}
SORT_LABELS = {
    "oldest": "Oldest first",
    "newest": "Newest first",
    "severity": "Most severe first",
    "support": "Most “me too” first",
}


@dataclass
class BarrierFilter:
    status: str | None = None
    category: str | None = None
    severity: str | None = None
    affects: str | None = None
    department_id: int | None = None
    team_id: int | None = None
    reported_by_id: int | None = None
    initiative_id: int | None = None
    q: str | None = None
    min_support: int | None = None  # at least this many "me too"
    sort: str = "oldest"

    def as_args(self) -> dict[str, Any]:
        """The filter as query-string arguments (for links that keep it)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _status_clause(status: str) -> Any:
    if status == UNRESOLVED:
        return Barrier.status.not_in(BarrierStatus.closed())
    if status == CLOSED:
        return Barrier.status.in_(BarrierStatus.closed())
    return Barrier.status == status


def _conditions(f: BarrierFilter, skip: str | None = None) -> list[Any]:
    """WHERE clauses for the filter; ``skip`` leaves one dimension out (for its counts)."""
    out: list[Any] = []
    if f.status and f.status != ALL and skip != "status":
        out.append(_status_clause(f.status))
    for name in ("category", "severity", "affects", "department_id", "team_id"):
        value = getattr(f, name)
        if value and skip != name:
            out.append(getattr(Barrier, name) == value)
    if f.reported_by_id:
        out.append(Barrier.reported_by_id == f.reported_by_id)
    if f.initiative_id:
        out.append(Barrier.initiative_id == f.initiative_id)
    if f.min_support:
        out.append(Barrier.support_count >= f.min_support)
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        out.append(
            or_(
                Barrier.title.ilike(pattern, escape="\\"),
                Barrier.description.ilike(pattern, escape="\\"),
            )
        )
    return out


def register_query(f: BarrierFilter) -> Select[Any]:
    """Barriers matching the filter with what a register row shows, in the chosen order."""
    return (
        select(Barrier)
        .options(
            joinedload(Barrier.team),
            joinedload(Barrier.department),
            joinedload(Barrier.reported_by),
            joinedload(Barrier.initiative),
        )
        .where(*_conditions(f))
        .order_by(*SORTS.get(f.sort, SORTS["oldest"]))
    )


FACETS = ("status", "category", "severity", "affects", "department_id", "team_id")


def facet_counts(f: BarrierFilter) -> dict[str, dict[Any, int]]:
    """For each filter, how many barriers each of its values would show, given the other
    filters. Kept in Redis for a minute by filter (the sort changes no count) and made stale
    by any write to barriers (``teams_app.cache``); everyone sees the same counts."""

    key = {k: v for k, v in f.as_args().items() if k != "sort"}
    return cache.remember(
        "barriers",
        "facets",
        key,
        lambda: _count_facets(f),
        lambda counts: {name: list(values.items()) for name, values in counts.items()},
        lambda found: {name: {v: n for v, n in pairs} for name, pairs in found.items()},
    )


def _count_facets(f: BarrierFilter) -> dict[str, dict[Any, int]]:
    """One GROUP BY per filter, so six queries whatever the data."""
    counts: dict[str, dict[Any, int]] = {}
    for name in FACETS:
        column = getattr(Barrier, name)
        rows = db.session.execute(
            select(column, func.count()).where(*_conditions(f, skip=name)).group_by(column)
        ).all()
        counts[name] = {value: n for value, n in rows if value is not None}
    status = counts["status"]
    status[UNRESOLVED] = sum(n for s, n in status.items() if s not in BarrierStatus.closed())
    status[CLOSED] = sum(n for s, n in status.items() if s in BarrierStatus.closed())
    status[""] = status[UNRESOLVED] + status[CLOSED]
    return counts


class Choice(NamedTuple):
    id: int
    name: str


def filter_choices() -> tuple[list[Choice], list[Choice]]:
    """Departments and teams that have barriers, for the register's filters: hundreds of
    options at a large library, so kept in Redis with the counts (stale on the same writes)."""

    def compute() -> tuple[list[Choice], list[Choice]]:
        departments = db.session.execute(
            select(Department.id, Department.name)
            .where(Department.id.in_(select(Barrier.department_id)))
            .order_by(Department.name)
        )
        teams = db.session.execute(
            select(Team.id, Team.name)
            .where(Team.id.in_(select(Barrier.team_id)))
            .order_by(Team.name)
        )
        return [Choice(*row) for row in departments], [Choice(*row) for row in teams]

    return cache.remember(
        "barriers",
        "choices",
        {},
        compute,
        lambda choices: [[list(c) for c in group] for group in choices],
        lambda raw: ([Choice(*c) for c in raw[0]], [Choice(*c) for c in raw[1]]),
    )


# --- CSV export ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "title",
    "status",
    "severity",
    "category",
    "affects",
    "source",
    "department",
    "team",
    "initiative",
    "reported_by",
    "reported_at",
    "resolved_at",
    "days_open",
    "resolution",
    "description",
    "url",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A cell a spreadsheet will show, never run: text starting like a formula gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(f: BarrierFilter, url_for_barrier: Any, batch: int = 500) -> Iterator[str]:
    """The filtered register as CSV, yielded a line at a time (streamed, in batches)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield "\ufeff" + line(list(CSV_COLUMNS))  # a BOM so spreadsheet apps read UTF-8
    now = utcnow()
    # register_query joins only many-to-one links, so rows are already unique; SQLAlchemy
    # refuses unique() together with yield_per.
    stmt = register_query(f).execution_options(yield_per=batch)
    for barrier in db.session.scalars(stmt):
        row = [
            barrier.id,
            barrier.title,
            barrier.status,
            barrier.severity,
            barrier.category,
            barrier.affects,
            barrier.source,
            barrier.department.name if barrier.department else "",
            barrier.team.name if barrier.team else "",
            barrier.initiative.title if barrier.initiative else "",
            barrier.reported_by.name if barrier.reported_by else "",
            barrier.reported_at.strftime("%Y-%m-%d %H:%M UTC"),
            barrier.resolved_at.strftime("%Y-%m-%d %H:%M UTC") if barrier.resolved_at else "",
            barrier.days_to_resolve(now),
            barrier.resolution or "",
            barrier.description or "",
            url_for_barrier(barrier.id),
        ]
        yield line([neutralise(v) for v in row])


# --- Actions ------------------------------------------------------------------------------------


def _action_options() -> list[Any]:
    """Owner, subject and the subject's team with its members (for "may I update it?")."""
    return [
        joinedload(Action.owner),
        joinedload(Action.barrier).joinedload(Barrier.team).selectinload(Team.memberships),
        joinedload(Action.initiative).joinedload(Initiative.team).selectinload(Team.memberships),
    ]


# Dated actions first, earliest (so overdue) first; then those without a date. NULLS LAST is
# PostgreSQL's own order for an ascending index, so ix_actions_due_on_id serves it and a page
# stops after its rows (a CASE expression here made it sort every action).
_BY_DUE = (Action.due_on.asc().nulls_last(), Action.id)


@dataclass
class ActionFilter:
    owner_id: int | None = None
    status: str | None = None
    overdue: bool | None = None
    barrier_id: int | None = None
    initiative_id: int | None = None


def actions_query(f: ActionFilter, today: date | None = None) -> Select[Any]:
    """Actions matching the filter, overdue first then by due date. Overdue means planned or
    running with a due date before ``today``."""
    stmt = select(Action).options(*_action_options())
    if f.owner_id:
        stmt = stmt.where(Action.owner_id == f.owner_id)
    if f.status:
        stmt = stmt.where(Action.status == f.status)
    if f.barrier_id:
        stmt = stmt.where(Action.barrier_id == f.barrier_id)
    if f.initiative_id:
        stmt = stmt.where(Action.initiative_id == f.initiative_id)
    if f.overdue is not None:
        overdue = and_(
            Action.status.in_(ActionStatus.running()),
            Action.due_on.is_not(None),
            Action.due_on < (today or utcnow().date()),
        )
        stmt = stmt.where(overdue if f.overdue else ~overdue)
    return stmt.order_by(*_BY_DUE)


def my_actions(user: User, limit: int | None = None) -> list[Action]:
    """Actions I own that are still planned or running: overdue first, then due soon."""
    stmt = (
        select(Action)
        .options(*_action_options())
        .where(Action.owner_id == user.id, Action.status.in_(ActionStatus.running()))
        .order_by(*_BY_DUE)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt).unique())


def my_finished_actions(user: User, days: int = 30) -> list[Action]:
    since = utcnow() - timedelta(days=days)
    stmt = (
        select(Action)
        .options(*_action_options())
        .where(
            Action.owner_id == user.id,
            Action.status.not_in(ActionStatus.running()),
            Action.updated_at >= since,
        )
        .order_by(Action.updated_at.desc())
        .limit(50)
    )
    return list(db.session.scalars(stmt).unique())


def actions_of_barrier(barrier_id: int) -> list[Action]:
    stmt = (
        select(Action)
        .options(*_action_options())
        .where(Action.barrier_id == barrier_id)
        .order_by(*_BY_DUE)
    )
    return list(db.session.scalars(stmt).unique())


def actions_of_initiative(initiative_id: int) -> list[Action]:
    """Actions logged on the initiative, and on the barriers linked to it."""
    stmt = (
        select(Action)
        .options(*_action_options())
        .where(
            Action.id.in_(
                union(
                    select(Action.id).where(Action.initiative_id == initiative_id),
                    select(Action.id)
                    .join(Barrier, Barrier.id == Action.barrier_id)
                    .where(Barrier.initiative_id == initiative_id),
                )
            )
        )
        .order_by(*_BY_DUE)
    )
    return list(db.session.scalars(stmt).unique())


def team_actions(team_id: int, limit: int = 50) -> list[Action]:
    """Running actions on the team's initiatives and barriers."""
    # Two indexed lookups in a UNION: OR-ing them made PostgreSQL scan every action.
    ids = union(
        select(Action.id)
        .join(Initiative, Initiative.id == Action.initiative_id)
        .where(Initiative.team_id == team_id),
        select(Action.id)
        .join(Barrier, Barrier.id == Action.barrier_id)
        .where(Barrier.team_id == team_id),
    )
    stmt = (
        select(Action)
        .options(*_action_options())
        .where(Action.status.in_(ActionStatus.running()), Action.id.in_(ids))
        .order_by(*_BY_DUE)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def barriers_for(
    *, team_id: int | None = None, initiative_id: int | None = None, limit: int = 100
) -> list[Barrier]:
    """A team's or an initiative's barriers: unresolved first (worst first), then closed."""
    f = BarrierFilter(team_id=team_id, initiative_id=initiative_id)
    closed_last = case((Barrier.status.in_(BarrierStatus.closed()), 1), else_=0)
    stmt = (
        register_query(f)
        .order_by(None)
        .order_by(closed_last, Barrier.severity_rank.desc(), Barrier.reported_at)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def you_said_we_did(user: User, days: int = 30) -> list[Barrier]:
    """Barriers I reported that were removed or accepted lately: the loop closed back to me."""
    since = utcnow() - timedelta(days=days)
    stmt = (
        select(Barrier)
        .options(joinedload(Barrier.team), joinedload(Barrier.resolved_by))
        .where(
            Barrier.reported_by_id == user.id,
            Barrier.status.in_(BarrierStatus.closed()),
            Barrier.resolved_at >= since,
        )
        .order_by(Barrier.resolved_at.desc())
        .limit(10)
    )
    return list(db.session.scalars(stmt).unique())


def history(barrier: Barrier) -> list[Activity]:
    """Everything that happened to the barrier and its actions, oldest first."""
    stmt = (
        select(Activity)
        .options(selectinload(Activity.actor))
        .where(
            or_(
                and_(Activity.subject_type == Subject.BARRIER, Activity.subject_id == barrier.id),
                and_(
                    Activity.subject_type == Subject.ACTION,
                    Activity.subject_id.in_(
                        select(Action.id).where(Action.barrier_id == barrier.id)
                    ),
                ),
            )
        )
        .order_by(Activity.at, Activity.id)
    )
    return list(db.session.scalars(stmt))


def today_for(user: User) -> date:
    """Today in the person's time zone: an action due today is not overdue yet."""

    return today(user)
