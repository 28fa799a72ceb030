"""The portfolio's figures as the page, the report and the API read them: computed by
``queries`` and kept in Redis for a minute (``teams_app.cache``), keyed by the filter and the
day, made stale by any write to what they count.

Only leadership reads them and every leader sees the same figures, so no key holds a person.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import case, func, select

from teams_app import cache
from teams_app.extensions import db
from teams_app.models import Department, Stage, Team, TeamStatus, User, utcnow
from teams_app.portfolio import queries
from teams_app.portfolio.queries import AttentionItem, Overview, PortfolioFilter, Trends
from teams_app.teams.queries import LISTED_STATUSES

TEAM_CHOICES = 200  # the team filter lists the directory's first 200, as it always has


def _key(f: PortfolioFilter, now: datetime, **extra: Any) -> dict[str, Any]:
    # The day is in the key: quarters, months and "stale" turn over with it.
    return {**f.as_args(), "day": now.date().isoformat(), **extra}


def _same(value: Any) -> Any:
    return value


def overview(
    f: PortfolioFilter, now: datetime | None = None, stages: list[Stage] | None = None
) -> Overview:
    now = now or utcnow()
    counts = cache.remember(
        "portfolio",
        "overview",
        _key(f, now),
        lambda: queries.overview_counts(f, now),
        _same,
        _same,
    )
    return queries.overview(f, now, stages, counts)


def _dump_attention(items: list[AttentionItem]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        row = asdict(item)
        row["since"] = item.since.isoformat() if item.since else None
        out.append(row)
    return out


def _load_attention(rows: list[dict[str, Any]]) -> list[AttentionItem]:
    return [
        AttentionItem(
            **{**row, "since": datetime.fromisoformat(row["since"]) if row["since"] else None}
        )
        for row in rows
    ]


def attention(f: PortfolioFilter, now: datetime | None = None) -> list[AttentionItem]:
    now = now or utcnow()
    return cache.remember(
        "portfolio",
        "attention",
        _key(f, now),
        lambda: queries.attention(f, now),
        _dump_attention,
        _load_attention,
    )


def trends(f: PortfolioFilter, now: datetime | None = None) -> Trends:
    now = now or utcnow()
    return cache.remember(
        "portfolio",
        "trends",
        _key(f, now),
        lambda: queries.trends(f, now),
        asdict,
        lambda row: Trends(**row),
    )


def median_days_in_stage(f: PortfolioFilter, now: datetime | None = None) -> dict[int, float]:
    now = now or utcnow()
    return cache.remember(
        "portfolio",
        "medians",
        _key(f, now),
        lambda: queries.median_days_in_stage(f, now),
        lambda medians: sorted(medians.items()),
        lambda pairs: {int(stage_id): float(days) for stage_id, days in pairs},
    )


class Choice(NamedTuple):
    id: int
    name: str


@dataclass
class FilterChoices:
    teams: list[Choice]
    sponsors: list[Choice]
    departments: list[Choice]


def _choices() -> dict[str, list[list[Any]]]:
    """The filter's options as (id, name): three narrow queries."""
    status_rank = case(
        (Team.status == TeamStatus.ACTIVE.value, 0),
        (Team.status == TeamStatus.PROPOSED.value, 1),
        else_=2,
    )
    teams = db.session.execute(
        select(Team.id, Team.name)
        .where(Team.status.in_(LISTED_STATUSES))
        .order_by(
            status_rank, func.coalesce(Team.chartered_at, Team.proposed_at).desc(), Team.id.desc()
        )
        .limit(TEAM_CHOICES)
    ).all()
    sponsors = db.session.execute(
        select(User.id, User.name)
        .where(User.id.in_(select(Team.sponsor_id).where(Team.sponsor_id.is_not(None))))
        .order_by(User.name, User.id)
    ).all()
    departments = db.session.execute(
        select(Department.id, Department.name).order_by(Department.name_key)
    ).all()
    return {
        "teams": [list(r) for r in teams],
        "sponsors": [list(r) for r in sponsors],
        "departments": [list(r) for r in departments],
    }


def filter_choices() -> FilterChoices:
    """Teams (the directory's first 200, as before), sponsors and departments for the filter."""
    found = cache.remember("portfolio", "choices", {}, _choices, _same, _same)
    return FilterChoices(
        *([Choice(i, n) for i, n in found[name]] for name in ("teams", "sponsors", "departments"))
    )
