"""The rules of initiatives: creating, editing, moving through stages, status updates.

Web views and the API call these. Each checks permissions, changes state, records activity
in the team's feed and commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from teams_app.activity import Verb, record
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.initiatives.pipeline import first_open_stage
from teams_app.markdown_text import audit_unsafe_markup
from teams_app.models import (
    Health,
    Initiative,
    Membership,
    Stage,
    StageChange,
    StageKind,
    StatusUpdate,
    Team,
    User,
    utcnow,
)
from teams_app.permissions import can
from teams_app.validation import choice, required_text
from teams_app.versioning import check_version, commit_versioned, need_version

TITLE_MAX = 160
SUMMARY_MAX = 4000
NOTE_MAX = 2000
BODY_MAX = 10000


class MovedMeanwhile(Conflict):
    """A move lost the race: the initiative is already somewhere else."""

    def __init__(self, stage: Stage) -> None:
        super().__init__(f"It moved to {stage.name} meanwhile. Reload to see where it is now.")
        self.stage = stage


def get_initiative(initiative_id: int) -> Initiative:
    """The initiative with its team's members (permission checks read them), stage and owner."""
    stmt = (
        select(Initiative)
        .options(
            joinedload(Initiative.team).selectinload(Team.memberships).joinedload(Membership.user),
            joinedload(Initiative.stage),
            joinedload(Initiative.owner),
        )
        .where(Initiative.id == initiative_id)
        .execution_options(populate_existing=True)
    )
    initiative = db.session.scalars(stmt).unique().one_or_none()
    if initiative is None:
        raise NotFound("No such initiative.")
    return initiative


def _due(team: Team, since: datetime) -> datetime:
    return since + timedelta(days=team.update_interval_days)


def is_stale(initiative: Initiative, now: datetime | None = None) -> bool:
    """No update for longer than the team's interval, now (the rule is ``Initiative.is_stale``)."""
    return initiative.is_stale(now or utcnow())


@dataclass
class Details:
    title: str
    summary: str | None = None
    owner_id: int | None = None
    target_date: date | None = None


def _checked(team: Team, details: Details) -> Details:
    title = required_text("title", details.title, TITLE_MAX, "Give the initiative a title.")
    summary = (details.summary or "").strip() or None
    if summary and len(summary) > SUMMARY_MAX:
        raise InvalidInput.on("summary", f"Use at most {SUMMARY_MAX} characters.")
    if details.owner_id is not None and details.owner_id not in team.member_ids():
        raise InvalidInput.on("owner_id", "The owner must be an active member of the team.")
    if details.target_date is not None and not isinstance(details.target_date, date):
        raise InvalidInput.on("target_date", "Enter a real date, such as 2027-03-31.")
    return Details(title, summary, details.owner_id, details.target_date)


def create_initiative(actor: User, team: Team, details: Details) -> Initiative:
    """A team member adds an initiative; it starts in the first open stage."""
    if not can(actor, "add_initiative", team):
        raise NotAllowed("Only active members of an active team can add initiatives.")
    d = _checked(team, details)
    stage, now = first_open_stage(), utcnow()
    initiative = Initiative(
        team_id=team.id,
        title=d.title,
        summary=d.summary,
        owner_id=d.owner_id or actor.id,
        target_date=d.target_date,
        stage_id=stage.id,
        stage_entered_at=now,
        created_by_id=actor.id,
        created_at=now,
        update_due_at=_due(team, now),
    )
    db.session.add(initiative)
    db.session.flush()
    db.session.add(
        StageChange(initiative_id=initiative.id, to_stage_id=stage.id, by_id=actor.id, at=now)
    )
    record(actor, Verb.CREATED_INITIATIVE, initiative, team=team, title=d.title)
    db.session.commit()
    return initiative


def edit_initiative(
    actor: User, initiative: Initiative, details: Details, version: int | None
) -> Initiative:
    """Members edit title, summary, owner and target date; a stale version is refused."""
    if not can(actor, "edit_initiative", initiative):
        raise NotAllowed("Only members of the team can edit its initiatives.")
    need_version(version)
    d = _checked(initiative.team, details)
    check_version(initiative, version)
    initiative.title, initiative.summary = d.title, d.summary
    initiative.owner_id = d.owner_id or initiative.owner_id
    initiative.target_date = d.target_date
    record(actor, Verb.EDITED_INITIATIVE, initiative, team=initiative.team, title=d.title)
    commit_versioned(initiative, get_initiative)
    return initiative


def move_initiative(
    actor: User,
    initiative: Initiative,
    to_stage_id: int | None,
    *,
    from_stage_id: int | None = None,
    note: str | None = None,
) -> Initiative:
    """Move to another stage. Forward skips are fine; moving back or to a stopped stage needs a
    note. Two people moving at once: exactly one move happens, the other gets MovedMeanwhile."""
    if not can(actor, "move_initiative", initiative):
        raise NotAllowed("Only the team's leads and the initiative's owner can move it.")
    target = db.session.get(Stage, to_stage_id) if to_stage_id else None
    if target is None:
        raise InvalidInput.on("to_stage_id", "Choose a stage from the pipeline.")
    expected = from_stage_id or initiative.stage_id
    if expected != initiative.stage_id:
        raise MovedMeanwhile(initiative.stage)
    if target.id == initiative.stage_id:
        raise Conflict(f"It is already in {target.name}.")
    current = initiative.stage
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise InvalidInput.on("note", f"Use at most {NOTE_MAX} characters.")
    why = initiative.note_needed_to(target)
    if why and not note:
        raise InvalidInput.on("note", f"Add a note saying why you want {why}.")

    now = utcnow()
    completed = now if target.kind == StageKind.DONE.value else None
    # Compare-and-set on the current stage: of two simultaneous moves exactly one matches.
    cas = (
        update(Initiative)
        .where(Initiative.id == initiative.id, Initiative.stage_id == expected)
        .values(
            stage_id=target.id,
            stage_entered_at=now,
            completed_at=completed,
            version=Initiative.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    try:
        result: CursorResult[Any] = db.session.execute(cas)  # type: ignore[assignment]
    except OperationalError:
        # SQLite refuses to upgrade a read snapshot that another writer has overtaken; try
        # once more in a fresh transaction, where the loser simply matches no row.
        db.session.rollback()
        result = db.session.execute(cas)  # type: ignore[assignment]
    if result.rowcount != 1:
        db.session.rollback()
        raise MovedMeanwhile(get_initiative(initiative.id).stage)
    db.session.add(
        StageChange(
            initiative_id=initiative.id,
            from_stage_id=current.id,
            to_stage_id=target.id,
            by_id=actor.id,
            at=now,
            note=note,
        )
    )
    record(
        actor,
        Verb.MOVED_INITIATIVE,
        initiative,
        team=initiative.team,
        title=initiative.title,
        from_stage=current.name,
        to_stage=target.name,
        note=note,
    )
    db.session.commit()
    return get_initiative(initiative.id)


def post_update(actor: User, initiative: Initiative, health: str, body: str) -> StatusUpdate:
    """A member posts a status update; the newest sets the initiative's health and resets the
    stale clock. It remembers the previous health and stage, to show what changed."""
    if not can(actor, "post_update", initiative):
        raise NotAllowed("Only members of the team can post updates.")
    choice("health", health, Health, "health")
    body = required_text("body", body, BODY_MAX, "Say what happened since the last update.")
    previous = db.session.scalar(
        select(StatusUpdate)
        .where(StatusUpdate.initiative_id == initiative.id)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
        .limit(1)
    )
    now = utcnow()
    status = StatusUpdate(
        initiative_id=initiative.id,
        author_id=actor.id,
        health=health,
        body=body,
        stage_id=initiative.stage_id,
        previous_health=previous.health if previous else None,
        previous_stage_id=previous.stage_id if previous else None,
        created_at=now,
    )
    db.session.add(status)
    before = initiative.health
    initiative.health = health
    initiative.last_update_at = now
    initiative.update_due_at = _due(initiative.team, now)
    db.session.flush()
    record(
        actor,
        Verb.POSTED_UPDATE,
        initiative,
        team=initiative.team,
        title=initiative.title,
        health=health,
        previous_health=before,
    )
    db.session.commit()
    audit_unsafe_markup(status, "body", status.body)
    return status


def history(initiative: Initiative) -> list[StageChange]:
    stmt = (
        select(StageChange)
        # Joined, not selectin: each is a many-to-one, so one query, not one per relationship.
        .options(
            joinedload(StageChange.from_stage),
            joinedload(StageChange.to_stage),
            joinedload(StageChange.by),
        )
        .where(StageChange.initiative_id == initiative.id)
        .order_by(StageChange.at, StageChange.id)
    )
    return list(db.session.scalars(stmt))


@dataclass
class StageTime:
    stage: str
    days: float


def time_in_stages(changes: list[StageChange], now: datetime | None = None) -> list[StageTime]:
    """Days spent in each stage, from the stage history (a stage visited twice adds up)."""
    now = now or utcnow()
    totals: dict[str, float] = {}
    order: list[str] = []
    for i, change in enumerate(changes):
        end = changes[i + 1].at if i + 1 < len(changes) else now
        name = change.to_stage.name
        if name not in totals:
            order.append(name)
            totals[name] = 0.0
        totals[name] += (end - change.at).total_seconds() / 86400
    return [StageTime(name, round(totals[name], 1)) for name in order]


def cycle_days(initiative: Initiative, now: datetime | None = None) -> float:
    """From creation to completion (or to now while it is still open)."""
    end = initiative.completed_at or now or utcnow()
    return round((end - initiative.created_at).total_seconds() / 86400, 1)


def updates(initiative: Initiative) -> list[StatusUpdate]:
    """Status updates, newest first, with what the page shows of each."""
    stmt = (
        select(StatusUpdate)
        .options(
            joinedload(StatusUpdate.author),
            joinedload(StatusUpdate.stage),
            joinedload(StatusUpdate.previous_stage),
        )
        .where(StatusUpdate.initiative_id == initiative.id)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
    )
    return list(db.session.scalars(stmt))
