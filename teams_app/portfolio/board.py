"""The portfolio board: how many initiatives each team has in each stage, a page of teams at a
time, and one team's cards when asked (the page would otherwise carry every card there is)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from teams_app import cache
from teams_app.extensions import db
from teams_app.models import Initiative, Stage, Team, User
from teams_app.pagination import Page
from teams_app.portfolio import queries
from teams_app.portfolio.queries import PortfolioFilter

TEAMS_PER_PAGE = 50
CARDS_PER_TEAM = 200  # a team with more shows these and links to its own board


@dataclass
class TeamRow:
    id: int
    name: str
    slug: str
    sponsor: str | None
    counts: dict[int, int]  # stage id -> initiatives
    total: int


@dataclass
class BoardCounts:
    stage_totals: dict[int, int]
    total: int
    teams: Page[TeamRow]


def _counts(f: PortfolioFilter, stages: list[Stage], page: int) -> dict[str, Any]:
    """Two GROUP BYs: every stage's total, and one page of teams with a count per stage (the
    number of teams comes from a window over the groups)."""
    where = queries._initiative_conditions(f)

    def matching(*columns: Any) -> Any:
        return (
            select(*columns)
            .select_from(Initiative)
            .join(Team, Team.id == Initiative.team_id)
            .join(Stage, Stage.id == Initiative.stage_id)
            .where(*where)
        )

    totals = db.session.execute(
        matching(Initiative.stage_id, func.count()).group_by(Initiative.stage_id)
    ).all()
    sponsor = aliased(User)
    per_stage = [func.count().filter(Initiative.stage_id == s.id) for s in stages]
    rows = db.session.execute(
        matching(Team.id, Team.name, Team.slug, sponsor.name, func.count(), func.count().over())
        .add_columns(*per_stage)
        .outerjoin(sponsor, sponsor.id == Team.sponsor_id)
        .group_by(Team.id, Team.name, Team.slug, sponsor.name)
        .order_by(Team.name, Team.id)
        .limit(TEAMS_PER_PAGE)
        .offset((page - 1) * TEAMS_PER_PAGE)
    ).all()
    teams_total = rows[0][5] if rows else 0
    if not rows and page > 1:  # past the last page: say how many there are
        teams_total = db.session.scalar(
            select(func.count()).select_from(matching(Team.id).group_by(Team.id).subquery())
        )
    return {
        "stage_totals": [[stage_id, n] for stage_id, n in totals],
        "teams_total": int(teams_total or 0),
        "teams": [
            [
                team_id,
                name,
                slug,
                sponsor_name,
                total,
                [[s.id, n] for s, n in zip(stages, counts, strict=True) if n],
            ]
            for team_id, name, slug, sponsor_name, total, _, *counts in rows
        ],
    }


def counts(f: PortfolioFilter, stages: list[Stage], page: int, now: datetime) -> BoardCounts:
    """The board's counts for ``page`` of teams, cached like the portfolio's other figures."""
    found = cache.remember(
        "portfolio",
        "board",
        {**f.as_args(), "page": page, "stages": [s.id for s in stages]},
        lambda: _counts(f, stages, page),
        lambda value: value,
        lambda value: value,
    )
    rows = [
        TeamRow(team_id, name, slug, sponsor_name, {s: n for s, n in per_stage}, total)
        for team_id, name, slug, sponsor_name, total, per_stage in found["teams"]
    ]
    stage_totals = {stage_id: n for stage_id, n in found["stage_totals"]}
    return BoardCounts(
        stage_totals=stage_totals,
        total=sum(stage_totals.values()),
        teams=Page(rows, page, TEAMS_PER_PAGE, found["teams_total"]),
    )


def team_cards(f: PortfolioFilter, team: Team) -> tuple[dict[int, list[Initiative]], int]:
    """One team's cards matching the filter, by stage, at most ``CARDS_PER_TEAM`` of them
    (one query), and how many match in all (a second, only when there are more)."""
    mine = replace(f, team_id=team.id)
    items = queries.initiatives_for(mine, limit=CARDS_PER_TEAM + 1)
    total = len(items)
    if total > CARDS_PER_TEAM:
        items = items[:CARDS_PER_TEAM]
        total = queries.count_initiatives(mine)
    columns: dict[int, list[Initiative]] = {}
    for item in items:
        columns.setdefault(item.stage_id, []).append(item)
    return columns, total
