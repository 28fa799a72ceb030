"""Reading satisfaction results: series per metric, the metrics recorded, the latest result for
the home page, the change of a metric since a baseline, and the initiatives completed within a
series' span (the chart's markers). Each is a fixed number of queries, whatever the number of
results."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from teams_app.errors import NotFound
from teams_app.extensions import db
from teams_app.models import Department, Initiative, SatisfactionResult, Team
from teams_app.satisfaction.figures import (
    Completion,
    Latest,
    MonthCompletions,
    Point,
    Series,
    Summary,
    metric_key,
    month_bounds,
    summarise,
)


def list_query(metric: str | None = None, department_id: int | None = None) -> Select[Any]:
    """Every result (optionally one metric's, or one department's), by period, oldest first."""
    stmt = select(SatisfactionResult).options(joinedload(SatisfactionResult.department))
    if metric:
        stmt = stmt.where(SatisfactionResult.metric_key == metric_key(metric))
    if department_id is not None:
        stmt = stmt.where(SatisfactionResult.department_key == department_id)
    return stmt.order_by(
        SatisfactionResult.period,
        SatisfactionResult.metric_key,
        SatisfactionResult.department_key,
        SatisfactionResult.id,
    )


def series(metric: str | None = None, department_id: int | None = None) -> list[Series]:
    """Each metric's series, organisation-wide (``department_id`` None) or for one department,
    sorted by metric name then period: one query."""
    stmt = select(
        SatisfactionResult.metric,
        SatisfactionResult.metric_key,
        SatisfactionResult.period,
        SatisfactionResult.score,
        SatisfactionResult.scale_max,
        SatisfactionResult.respondents,
    ).where(SatisfactionResult.department_key == (department_id or 0))
    if metric:
        stmt = stmt.where(SatisfactionResult.metric_key == metric_key(metric))
    rows = db.session.execute(
        stmt.order_by(SatisfactionResult.metric_key, SatisfactionResult.period)
    ).all()
    found: dict[str, Series] = {}
    for name, key, period, score, scale_max, respondents in rows:
        one = found.setdefault(key, Series(metric=name, key=key))
        one.points.append(Point(period, score, scale_max, respondents))
    return list(found.values())


def metrics() -> list[tuple[str, str]]:
    """(key, name) of every metric recorded, by name: one query."""
    rows = db.session.execute(
        select(SatisfactionResult.metric_key, func.min(SatisfactionResult.metric))
        .group_by(SatisfactionResult.metric_key)
        .order_by(SatisfactionResult.metric_key)
    ).all()
    return [(key, name) for key, name in rows]


def departments_with_results() -> list[tuple[int, str]]:
    """(id, name) of the departments that have results of their own: one query."""
    rows = db.session.execute(
        select(Department.id, Department.name)
        .where(Department.id.in_(select(SatisfactionResult.department_id).distinct()))
        .order_by(Department.name)
    ).all()
    return [(i, n) for i, n in rows]


def latest(limit: int = 3) -> list[Latest]:
    """For the home page: the newest month's organisation-wide results (at most ``limit``
    metrics), each with its previous result. Two queries."""
    org = SatisfactionResult.department_key == 0
    newest = select(func.max(SatisfactionResult.period)).where(org).scalar_subquery()
    current = list(
        db.session.scalars(
            select(SatisfactionResult)
            .where(org, SatisfactionResult.period == newest)
            .order_by(SatisfactionResult.metric_key)
            .limit(limit)
        )
    )
    if not current:
        return []
    before = (
        select(
            SatisfactionResult.metric_key.label("key"),
            func.max(SatisfactionResult.period).label("period"),
        )
        .where(
            org,
            SatisfactionResult.metric_key.in_([r.metric_key for r in current]),
            SatisfactionResult.period < current[0].period,
        )
        .group_by(SatisfactionResult.metric_key)
        .subquery()
    )
    previous = {
        r.metric_key: r
        for r in db.session.scalars(
            select(SatisfactionResult)
            .join(
                before,
                (SatisfactionResult.metric_key == before.c.key)
                & (SatisfactionResult.period == before.c.period),
            )
            .where(org)
        )
    }

    def point(r: SatisfactionResult) -> Point:
        return Point(r.period, r.score, r.scale_max, r.respondents)

    return [
        Latest(
            r.metric,
            point(r),
            point(previous[r.metric_key]) if r.metric_key in previous else None,
        )
        for r in current
    ]


TITLES_PER_MONTH = 5


def _period_of(column: Any) -> Any:
    """'YYYY-MM' of a timestamp column in UTC, in SQL, on SQLite and PostgreSQL alike."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def completions(first: str, last: str, per_month: int = TITLES_PER_MONTH) -> list[MonthCompletions]:
    """Initiatives completed from the start of month ``first`` to the end of month ``last``,
    month by month, oldest first: each month's count and its first ``per_month`` initiatives,
    counted and ranked in SQL with window functions (one query, at most ``per_month`` rows a
    month whatever the number completed)."""
    start, end = month_bounds(first, last)
    period = _period_of(Initiative.completed_at)
    ranked = (
        select(
            Initiative.id.label("id"),
            Initiative.title.label("title"),
            Team.name.label("team"),
            Initiative.completed_at.label("at"),
            period.label("period"),
            func.count().over(partition_by=period).label("n"),
            func.row_number()
            .over(partition_by=period, order_by=(Initiative.completed_at, Initiative.id))
            .label("rn"),
        )
        .join(Team, Team.id == Initiative.team_id)
        .where(Initiative.completed_at >= start, Initiative.completed_at < end)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked).where(ranked.c.rn <= per_month).order_by(ranked.c.period, ranked.c.rn)
    ).all()
    months: dict[str, MonthCompletions] = {}
    for row in rows:
        month = months.setdefault(row.period, MonthCompletions(row.period, int(row.n)))
        month.first.append(Completion(row.id, row.title, row.team, row.at.date()))
    return list(months.values())


def summary(metric: str, baseline: str | None = None, department_id: int | None = None) -> Summary:
    """The change of ``metric`` (organisation-wide, or one department's) from the baseline period
    (default: the earliest) to the latest period. See ``change_pct`` for what the percentage
    means."""
    found = series(metric=metric, department_id=department_id)
    if not found:
        raise NotFound(f"There are no results for “{metric}”.")
    one = found[0]
    return summarise(one.metric, one.points, baseline)
