"""Portfolio CSV exports, streamed in batches with the page's filters. Every cell goes through
``neutralise`` so a spreadsheet shows user text rather than running it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from teams_app.barriers.queries import BarrierFilter, csv_lines, neutralise
from teams_app.extensions import db
from teams_app.models import Action, Barrier, Initiative, StatusUpdate, Team, utcnow
from teams_app.portfolio.queries import PortfolioFilter, _initiative_conditions, _initiatives

BATCH = 500


def _lines(header: list[str], rows: Callable[[], Iterable[list[Any]]]) -> Iterator[str]:
    """CSV lines; ``rows`` is called only once streaming starts, so the query runs inside the
    streamed response (a query started in the view would outlive its session)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(v) for v in values])
        return buffer.getvalue()

    yield "\ufeff" + line(header)  # a BOM so spreadsheet apps read UTF-8
    for row in rows():
        yield line(row)


def _stamp(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def initiatives_csv(f: PortfolioFilter, url: Callable[[str, int], str]) -> Iterator[str]:
    now = utcnow()
    stmt = (
        _initiatives()
        .options(
            joinedload(Initiative.team).joinedload(Team.sponsor),
            joinedload(Initiative.stage),
            joinedload(Initiative.owner),
        )
        .where(*_initiative_conditions(f))
        .order_by(Initiative.id)
        .execution_options(yield_per=BATCH)
    )
    header = [
        "id", "title", "team", "sponsor", "stage", "health", "owner", "target_date",
        "stale", "days_in_stage", "created_at", "last_update_at", "completed_at", "url",
    ]  # fmt: skip
    rows = lambda: (  # noqa: E731
        [
            i.id,
            i.title,
            i.team.name,
            i.team.sponsor.name if i.team.sponsor else "",
            i.stage.name,
            i.health,
            i.owner.name if i.owner else "",
            i.target_date.isoformat() if i.target_date else "",
            "yes" if i.is_stale(now) else "no",
            round((now - i.stage_entered_at).total_seconds() / 86400, 1),
            _stamp(i.created_at),
            _stamp(i.last_update_at),
            _stamp(i.completed_at),
            url("initiatives.show", i.id),
        ]
        for i in db.session.scalars(stmt)
    )
    return _lines(header, rows)


def barriers_csv(f: PortfolioFilter, url: Callable[[str, int], str]) -> Iterator[str]:
    """The register's export, narrowed by the filters that apply to barriers."""
    bf = BarrierFilter(team_id=f.team_id, department_id=f.department_id)
    return csv_lines(bf, lambda barrier_id: url("barriers.show", barrier_id))


def _team_ids(f: PortfolioFilter) -> Any:
    stmt = select(Team.id)
    if f.team_id:
        stmt = stmt.where(Team.id == f.team_id)
    if f.sponsor_id:
        stmt = stmt.where(Team.sponsor_id == f.sponsor_id)
    return stmt


def actions_csv(f: PortfolioFilter, url: Callable[[str, int], str]) -> Iterator[str]:
    stmt = (
        select(Action)
        .options(
            joinedload(Action.owner),
            joinedload(Action.barrier),
            joinedload(Action.initiative).joinedload(Initiative.team),
        )
        .outerjoin(Initiative, Initiative.id == Action.initiative_id)
        .outerjoin(Barrier, Barrier.id == Action.barrier_id)
        .order_by(Action.id)
        .execution_options(yield_per=BATCH)
    )
    if f.team_id or f.sponsor_id:
        teams = _team_ids(f)
        stmt = stmt.where(or_(Initiative.team_id.in_(teams), Barrier.team_id.in_(teams)))
    header = [
        "id", "description", "status", "owner", "due_on", "barrier", "initiative", "outcome",
        "done_at", "created_at", "url",
    ]  # fmt: skip
    rows = lambda: (  # noqa: E731
        [
            a.id,
            a.description,
            a.status,
            a.owner.name if a.owner else "",
            a.due_on.isoformat() if a.due_on else "",
            a.barrier.title if a.barrier else "",
            a.initiative.title if a.initiative else "",
            a.outcome or "",
            _stamp(a.done_at),
            _stamp(a.created_at),
            url("barriers.show", a.barrier_id)
            if a.barrier_id
            else url("initiatives.show", a.initiative_id or 0),
        ]
        for a in db.session.scalars(stmt)
    )
    return _lines(header, rows)


def updates_csv(f: PortfolioFilter, url: Callable[[str, int], str]) -> Iterator[str]:
    stmt = (
        select(StatusUpdate)
        .options(
            joinedload(StatusUpdate.author),
        )
        .join(Initiative, Initiative.id == StatusUpdate.initiative_id)
        .where(
            Initiative.id.in_(
                _initiatives().with_only_columns(Initiative.id).where(*_initiative_conditions(f))
            )
        )
        .add_columns(Initiative.title, Initiative.id)
        .order_by(StatusUpdate.created_at, StatusUpdate.id)
        .execution_options(yield_per=BATCH)
    )
    header = [
        "initiative_id", "initiative", "author", "health", "previous_health", "posted_at",
        "body", "url",
    ]  # fmt: skip
    rows = lambda: (  # noqa: E731
        [
            initiative_id,
            title,
            update.author.name if update.author else "",
            update.health,
            update.previous_health or "",
            _stamp(update.created_at),
            update.body,
            url("initiatives.show", initiative_id),
        ]
        for update, title, initiative_id in db.session.execute(stmt)
    )
    return _lines(header, rows)


EXPORTS = {
    "initiatives": initiatives_csv,
    "barriers": barriers_csv,
    "actions": actions_csv,
    "updates": updates_csv,
}
