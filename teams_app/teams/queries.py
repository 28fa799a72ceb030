"""Read-side queries for team pages: the directory, per-team figures, feeds and "my teams".

Each runs a fixed number of statements whatever the number of teams or members.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from teams_app.extensions import db
from teams_app.models import Activity, Level, Membership, MemberState, Team, TeamStatus, User

LISTED_STATUSES = (TeamStatus.ACTIVE.value, TeamStatus.PROPOSED.value, TeamStatus.CLOSED.value)


@dataclass
class TeamFilter:
    q: str = ""
    status: str | None = None
    department_id: int | None = None
    has_openings: bool | None = None


def _active_count_subquery() -> Any:
    return (
        select(func.count(Membership.id))
        .where(Membership.team_id == Team.id, Membership.state == MemberState.ACTIVE.value)
        .correlate(Team)
        .scalar_subquery()
    )


def directory_query(f: TeamFilter) -> Select[tuple[Team]]:
    """Teams matching the filter: active first, then proposed, then closed; newest first within."""
    stmt = select(Team).options(selectinload(Team.sponsor).selectinload(User.department))
    if f.status:
        stmt = stmt.where(Team.status == f.status)
    else:
        stmt = stmt.where(Team.status.in_(LISTED_STATUSES))
    if f.q:
        like = f"%{f.q.strip().lower()}%"
        stmt = stmt.where(or_(Team.name_key.like(like), func.lower(Team.problem).like(like)))
    if f.department_id:
        in_department = exists().where(
            Membership.team_id == Team.id,
            Membership.state == MemberState.ACTIVE.value,
            Membership.user_id == User.id,
            User.department_id == f.department_id,
        )
        stmt = stmt.where(in_department)
    if f.has_openings is not None:
        room = (Team.max_members.is_(None)) | (_active_count_subquery() < Team.max_members)
        openings = (Team.status == TeamStatus.ACTIVE.value) & room
        stmt = stmt.where(openings if f.has_openings else ~openings)
    order = func.coalesce(Team.chartered_at, Team.proposed_at)
    status_rank = case(
        (Team.status == TeamStatus.ACTIVE.value, 0),
        (Team.status == TeamStatus.PROPOSED.value, 1),
        else_=2,
    )
    return stmt.order_by(status_rank, order.desc(), Team.id.desc())


@dataclass
class TeamFigures:
    member_count: int = 0
    levels: list[str] = field(default_factory=list)

    def has_openings(self, team: Team) -> bool:
        return team.is_active and (team.max_members is None or self.member_count < team.max_members)


def figures_for(team_ids: list[int]) -> dict[int, TeamFigures]:
    """Member counts and levels represented, for many teams in one GROUP BY query."""
    figures: dict[int, TeamFigures] = defaultdict(TeamFigures)
    if not team_ids:
        return figures
    rows = db.session.execute(
        select(Membership.team_id, User.level, func.count())
        .join(User, User.id == Membership.user_id)
        .where(Membership.team_id.in_(team_ids), Membership.state == MemberState.ACTIVE.value)
        .group_by(Membership.team_id, User.level)
    ).all()
    order = [lv.value for lv in Level]
    for team_id, level, n in rows:
        figures[team_id].member_count += n
        figures[team_id].levels.append(level)
    for fig in figures.values():
        fig.levels.sort(key=order.index)
    return figures


@dataclass
class AtTheTable:
    """Who a team draws on: the point of a cross-level team is to have every level."""

    levels: list[tuple[str, int]]
    departments: list[tuple[str, int]]
    missing_levels: list[str]


def at_the_table(team: Team) -> AtTheTable:
    members = [m.user for m in team.active_memberships()]
    order = [lv.value for lv in Level]
    level_counts: dict[str, int] = defaultdict(int)
    dept_counts: dict[str, int] = defaultdict(int)
    for user in members:
        level_counts[user.level] += 1
        dept_counts[user.department.name if user.department else "No department"] += 1
    return AtTheTable(
        levels=sorted(level_counts.items(), key=lambda item: order.index(item[0])),
        departments=sorted(dept_counts.items(), key=lambda item: (-item[1], item[0])),
        missing_levels=[lv for lv in order if lv not in level_counts],
    )


def team_feed(team_id: int, limit: int = 30) -> list[Activity]:
    stmt = (
        select(Activity)
        .options(joinedload(Activity.actor))
        .where(Activity.team_id == team_id)
        .order_by(Activity.at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def my_memberships(user: User) -> tuple[list[Membership], list[Membership]]:
    """For the home page, in one query: my active memberships and open requests on active and
    proposed teams; and the teams I was on until they closed (newest first, at most five), so
    home remembers them with what they learned instead of saying I was never on a team."""
    stmt = (
        select(Membership)
        .join(Team)
        .options(joinedload(Membership.team))
        .where(
            Membership.user_id == user.id,
            Membership.state.in_((MemberState.ACTIVE.value, MemberState.REQUESTED.value)),
            Team.status.in_(
                (TeamStatus.ACTIVE.value, TeamStatus.PROPOSED.value, TeamStatus.CLOSED.value)
            ),
        )
        .order_by(Team.name_key)
    )
    current, closed = [], []
    for m in db.session.scalars(stmt):
        if m.team.status != TeamStatus.CLOSED.value:
            current.append(m)
        elif m.state == MemberState.ACTIVE.value:
            closed.append(m)
    closed.sort(key=lambda m: (m.team.closed_at is not None, m.team.closed_at), reverse=True)
    return current, closed[:5]


def pending_request_counts(team_ids: list[int]) -> dict[int, int]:
    if not team_ids:
        return {}
    rows = db.session.execute(
        select(Membership.team_id, func.count())
        .where(Membership.team_id.in_(team_ids), Membership.state == MemberState.REQUESTED.value)
        .group_by(Membership.team_id)
    ).all()
    return {team_id: n for team_id, n in rows}
