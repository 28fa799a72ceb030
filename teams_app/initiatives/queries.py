"""Read side of initiatives: the filtered list, a team's board, "my initiatives"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, joinedload

from teams_app.extensions import db
from teams_app.models import Health, Initiative, Stage, StageKind, Team, User, utcnow
from teams_app.pagination import Page, paginate, paginate_parts

SORTS: dict[str, tuple[Any, ...]] = {
    "updated": (Initiative.last_update_at.desc().nulls_last(), Initiative.id.desc()),
    "due": (Initiative.update_due_at.asc(), Initiative.id),
    "target": (Initiative.target_date.asc().nulls_last(), Initiative.id),
    "title": (Initiative.title.asc(), Initiative.id),
    "stage": (Stage.position.asc(), Initiative.id),
    "newest": (Initiative.created_at.desc(), Initiative.id.desc()),
}


@dataclass
class InitiativeFilter:
    team_id: int | None = None
    stage_id: int | None = None
    health: str | None = None
    owner_id: int | None = None
    stale: bool | None = None
    sort: str = "updated"


def list_query(f: InitiativeFilter) -> Select[Any]:
    """Initiatives of active and closed teams matching the filter, with what cards show (the
    owner's department too: the API shows it)."""
    stmt = (
        select(Initiative)
        .join(Stage, Stage.id == Initiative.stage_id)
        .join(Team, Team.id == Initiative.team_id)
        .options(
            contains_eager(Initiative.stage),
            contains_eager(Initiative.team),
            joinedload(Initiative.owner).joinedload(User.department),
        )
    )
    if f.team_id:
        stmt = stmt.where(Initiative.team_id == f.team_id)
    if f.stage_id:
        stmt = stmt.where(Initiative.stage_id == f.stage_id)
    if f.health in {h.value for h in Health}:
        stmt = stmt.where(Initiative.health == f.health)
    if f.owner_id:
        stmt = stmt.where(Initiative.owner_id == f.owner_id)
    if f.stale is not None:
        stale = Initiative.stale_at(utcnow())
        stmt = stmt.where(stale if f.stale else ~stale)
    return stmt.order_by(*SORTS.get(f.sort, SORTS["updated"]))


def list_page(f: InitiativeFilter, page: int, per_page: int) -> Page[Initiative]:
    """One page of the list. "Recently updated" puts never-updated initiatives last, which no
    index orders on every database; so it reads the updated ones, then the others, each in
    index order, and the database stops after a page either way."""
    if f.sort not in SORTS or f.sort == "updated":
        stmt = list_query(f).order_by(None)
        updated = stmt.where(Initiative.last_update_at.is_not(None)).order_by(
            Initiative.last_update_at.desc(), Initiative.id.desc()
        )
        never = stmt.where(Initiative.last_update_at.is_(None)).order_by(Initiative.id.desc())
        return paginate_parts([updated, never], page, per_page)
    return paginate(list_query(f), page, per_page)


def board(team_id: int) -> list[tuple[Stage, list[Initiative]]]:
    """One column per stage, in pipeline order, with the team's initiatives (two queries)."""
    stages = list(db.session.scalars(select(Stage).order_by(Stage.position, Stage.id)))
    items = db.session.scalars(
        select(Initiative)
        .options(joinedload(Initiative.owner), joinedload(Initiative.stage))
        .where(Initiative.team_id == team_id)
        .order_by(Initiative.stage_entered_at)
    ).all()
    columns: dict[int, list[Initiative]] = {s.id: [] for s in stages}
    for item in items:
        columns.setdefault(item.stage_id, []).append(item)
    return [(s, columns[s.id]) for s in stages]


def owned_by(user: User, limit: int = 10) -> list[Initiative]:
    """My open initiatives, the ones due for an update first."""
    stmt = (
        list_query(InitiativeFilter(owner_id=user.id, sort="due"))
        .where(Stage.kind == StageKind.OPEN.value)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def team_initiatives(team_id: int, limit: int | None = None) -> list[Initiative]:
    stmt = list_query(InitiativeFilter(team_id=team_id, sort="stage"))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt).unique())
