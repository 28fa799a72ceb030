"""The rules of barriers and actions: report, edit and link, resolve and reopen; log and update
actions, which keep their barrier's "addressing" status true.

Web views and the API call these. Each checks state (a closed barrier is a conflict), then who is
asking, then the input; records activity; and commits.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from teams_app.activity import Verb, record
from teams_app.database import LabelledEnum
from teams_app.dates import date_text
from teams_app.digests.schedule import zone_for
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound, ServiceError
from teams_app.extensions import db
from teams_app.models import (
    Action,
    ActionStatus,
    Affects,
    Barrier,
    BarrierCategory,
    BarrierSource,
    BarrierStatus,
    Department,
    Initiative,
    Membership,
    Severity,
    Team,
    User,
    utcnow,
)
from teams_app.permissions import can
from teams_app.queue import mail_person_after_commit
from teams_app.validation import choice, required_text
from teams_app.versioning import API_MISSING, check_version, commit_versioned, need_version

TITLE_MAX = 160
DESCRIPTION_MAX = 4000
RESOLUTION_MAX = 4000
ACTION_MAX = 2000
OUTCOME_MAX = 4000


class Resolution(enum.StrEnum):
    """The two ways a barrier closes."""

    REMOVED = BarrierStatus.REMOVED.value
    ACCEPTED = BarrierStatus.ACCEPTED.value


class ActionFate(LabelledEnum):
    """What happens to an action still open when its barrier is closed."""

    FINISH = "done", "Finish it (mark it done)"
    DROP = "dropped", "Drop it, with the resolution as the reason"
    MOVE = "initiative", "Keep it going on the initiative"


def get_barrier(barrier_id: int) -> Barrier:
    """The barrier with what its page and permission checks read, fresh from the database."""
    stmt = (
        select(Barrier)
        .options(
            joinedload(Barrier.team).selectinload(Team.memberships).joinedload(Membership.user),
            joinedload(Barrier.initiative),
            joinedload(Barrier.department),
            joinedload(Barrier.reported_by),
            joinedload(Barrier.resolved_by),
        )
        .where(Barrier.id == barrier_id)
        .execution_options(populate_existing=True)
    )
    barrier = db.session.scalars(stmt).unique().one_or_none()
    if barrier is None:
        raise NotFound("No such barrier.")
    return barrier


def get_action(action_id: int) -> Action:
    stmt = (
        select(Action)
        .options(
            joinedload(Action.barrier)
            .joinedload(Barrier.team)
            .selectinload(Team.memberships)
            .joinedload(Membership.user),
            joinedload(Action.initiative)
            .joinedload(Initiative.team)
            .selectinload(Team.memberships)
            .joinedload(Membership.user),
            joinedload(Action.owner),
        )
        .where(Action.id == action_id)
        .execution_options(populate_existing=True)
    )
    action = db.session.scalars(stmt).unique().one_or_none()
    if action is None:
        raise NotFound("No such action.")
    return action


# --- Barriers -----------------------------------------------------------------------------------


@dataclass
class BarrierDetails:
    title: str
    category: str
    affects: str
    severity: str
    source: str
    description: str | None = None
    team_id: int | None = None
    initiative_id: int | None = None
    department_id: int | None = None


@dataclass
class _Links:
    team: Team | None
    initiative: Initiative | None
    department: Department | None


def _checked_text(d: BarrierDetails, problem: Callable[[str, str], None]) -> tuple[str, str | None]:
    """The title on one line (it becomes a mail subject) and the description, trimmed."""
    title = " ".join((d.title or "").split())  # one line: it becomes a mail subject
    if not title:
        problem("title", "Give the barrier a short title.")
    elif len(title) > TITLE_MAX:
        problem("title", f"Use at most {TITLE_MAX} characters.")
    description = (d.description or "").strip() or None
    if description and len(description) > DESCRIPTION_MAX:
        problem("description", f"Use at most {DESCRIPTION_MAX} characters.")
    return title, description


def _check_choices(d: BarrierDetails, problem: Callable[[str, str], None]) -> None:
    for field, enum_type, label in (
        ("category", BarrierCategory, "category"),
        ("affects", Affects, "group it affects"),
        ("severity", Severity, "severity"),
        ("source", BarrierSource, "source"),
    ):
        try:
            choice(field, getattr(d, field), enum_type, label)
        except InvalidInput as exc:
            problem(field, exc.fields[field][0])


def _active_team(team_id: int, problem: Callable[[str, str], None]) -> Team | None:
    """The team (with its members) a barrier names, if it exists and is active."""
    found = db.session.scalars(
        select(Team)
        .options(selectinload(Team.memberships).joinedload(Membership.user))
        .where(Team.id == team_id)
    ).one_or_none()
    if found is None:
        problem("team_id", "There is no such team.")
    elif not found.is_active:
        problem("team_id", "Choose an active team: this one is not working on anything now.")
    else:
        return found
    return None


def _checked(d: BarrierDetails) -> tuple[BarrierDetails, _Links]:
    """Validate every field at once, so a form shows all its problems together."""
    problems: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    title, description = _checked_text(d, problem)
    _check_choices(d, problem)

    initiative = None
    if d.initiative_id is not None:
        initiative = db.session.get(Initiative, d.initiative_id)
        if initiative is None:
            problem("initiative_id", "There is no such initiative.")
    team_id = initiative.team_id if initiative is not None else d.team_id
    if initiative is not None and d.team_id is not None and d.team_id != initiative.team_id:
        problem("team_id", "The initiative belongs to another team; choose its team or none.")
    team = None if team_id is None else _active_team(team_id, problem)
    department = None
    if d.department_id is not None:
        department = db.session.get(Department, d.department_id)
        if department is None:
            problem("department_id", "There is no such department.")
    if problems:
        first = next(iter(problems.values()))[0]
        raise InvalidInput(first, fields=problems)
    checked = replace(d, title=title, description=description, team_id=team.id if team else None)
    return checked, _Links(team, initiative, department)


def report_barrier(actor: User, details: BarrierDetails, *, commit: bool = True) -> Barrier:
    """Anyone reports a barrier; naming the team or initiative working on it is optional.
    ``commit=False`` leaves the commit to a caller whose unit of work includes the report (the
    survey triage links the comment it came from in the same transaction)."""
    if not can(actor, "report_barrier"):
        raise NotAllowed("Sign in with an active account to report a barrier.")
    d, links = _checked(details)
    now = utcnow()
    barrier = Barrier(
        title=d.title,
        description=d.description,
        category=d.category,
        affects=d.affects,
        severity=d.severity,
        severity_rank=Severity(d.severity).rank,
        source=d.source,
        status=BarrierStatus.OPEN.value,
        reported_by_id=actor.id,
        team_id=d.team_id,
        initiative_id=d.initiative_id,
        department_id=d.department_id,
        reported_at=now,
        updated_at=now,
    )
    db.session.add(barrier)
    db.session.flush()
    record(
        actor, Verb.REPORTED_BARRIER, barrier, team=links.team, title=d.title, barrier_id=barrier.id
    )
    if commit:
        db.session.commit()
    return barrier


def _refuse_closed(barrier: Barrier) -> None:
    if barrier.is_closed:
        raise Conflict(
            f"This barrier is closed as {barrier.status}. Reopen it (with a reason) to change it."
        )


def edit_barrier(
    actor: User, barrier: Barrier, details: BarrierDetails, version: int | None
) -> Barrier:
    """Edit or re-link an open barrier. Handing it to another team needs a place on that team."""
    _edit(actor, barrier, details, version)
    _commit_versioned(barrier)
    return get_barrier(barrier.id)


def _edit(actor: User, barrier: Barrier, details: BarrierDetails, version: int | None) -> None:
    """``edit_barrier`` without the commit."""
    _refuse_closed(barrier)
    if not can(actor, "edit_barrier", barrier):
        raise NotAllowed(
            "Only the person who reported it, the team working on it and leadership can edit it."
        )
    need_version(version)
    d, links = _checked(details)
    moving = links.team is not None and links.team.id != barrier.team_id
    if moving and links.team is not None and not can(actor, "link_barrier", links.team):
        raise InvalidInput.on(
            "team_id", f"Only members of {links.team.name} can hand it a barrier."
        )
    check_version(barrier, version)
    relinked = (d.team_id, d.initiative_id) != (barrier.team_id, barrier.initiative_id)
    barrier.title, barrier.description = d.title, d.description
    barrier.category, barrier.affects, barrier.source = d.category, d.affects, d.source
    barrier.severity, barrier.severity_rank = d.severity, Severity(d.severity).rank
    barrier.team_id, barrier.initiative_id = d.team_id, d.initiative_id
    barrier.department_id = d.department_id
    data = {"title": d.title, "barrier_id": barrier.id}
    if relinked and links.team is not None:
        where = links.initiative.title if links.initiative else links.team.name
        record(actor, Verb.LINKED_BARRIER, barrier, team=links.team, to=where, **data)
    else:
        record(actor, Verb.EDITED_BARRIER, barrier, team=links.team, **data)


def open_actions(barrier: Barrier) -> list[Action]:
    """The barrier's planned and running actions that closing it must settle (those already
    carried by an initiative go on there)."""
    stmt = (
        select(Action)
        .options(joinedload(Action.owner))
        .where(
            Action.barrier_id == barrier.id,
            Action.initiative_id.is_(None),
            Action.status.in_(ActionStatus.running()),
        )
        .order_by(Action.id)
    )
    return list(db.session.scalars(stmt))


def can_move_to_initiative(barrier: Barrier) -> bool:
    """Open actions may go on under the barrier's initiative while its team is active."""
    initiative = barrier.initiative
    return initiative is not None and initiative.team.is_active


def fates_for(barrier: Barrier, actions: list[Action], fates: dict[str, str]) -> dict[int, str]:
    """Each open action's fate, from ``{"<action id>": fate}`` (or ``{"all": fate}``). Every
    open action needs one, so nothing stays planned under a barrier nobody can change."""
    problems: list[str] = []
    chosen: dict[int, str] = {}
    for action in actions:
        fate = fates.get(str(action.id)) or fates.get("all") or ""
        if fate not in {f.value for f in ActionFate}:
            problems.append(
                f"Say what happens to the open action “{action.description[:80]}”: finish it, "
                "drop it, or keep it going on the initiative."
            )
        elif fate == ActionFate.MOVE.value and not can_move_to_initiative(barrier):
            problems.append(
                f"“{action.description[:80]}” cannot move to an initiative: this barrier is not "
                "linked to one of an active team. Finish it or drop it."
            )
        else:
            chosen[action.id] = fate
    if problems:
        raise InvalidInput(problems[0], fields={"open_actions": problems})
    return chosen


def _settle(actor: User, barrier: Barrier, action: Action, fate: str, note: str) -> None:
    """Apply one open action's fate as part of closing its barrier."""
    extra: dict[str, object]
    if fate == ActionFate.MOVE.value:
        assert barrier.initiative is not None
        action.initiative_id = barrier.initiative_id
        verb = Verb.MOVED_ACTION
        extra = {"initiative": barrier.initiative.title}
    else:
        action.status, action.outcome = fate, note
        action.done_at = utcnow() if fate == ActionFate.FINISH.value else None
        verb = Verb.COMPLETED_ACTION if fate == ActionFate.FINISH.value else Verb.DROPPED_ACTION
        extra = {"with_barrier": True}
    action.updated_at = utcnow()
    db.session.flush()
    db.session.refresh(action, ["initiative", "barrier"])
    record(actor, verb, action, team=action.team, **_action_data(action), **extra)


def resolve_barrier(
    actor: User,
    barrier: Barrier,
    outcome: str,
    resolution: str | None,
    version: int | None = None,
    fates: dict[str, str] | None = None,
) -> Barrier:
    """Close as removed or accepted, with a note; the reporter is told ("you said, we did").

    Each action still open on it is finished, dropped (the resolution is its outcome) or moved
    to the barrier's initiative, as ``fates`` says: closing never strands an action."""
    _resolve(actor, barrier, outcome, resolution, version, fates)
    _commit_versioned(barrier)
    return get_barrier(barrier.id)


def _resolve_checks(
    actor: User, barrier: Barrier, outcome: str, resolution: str | None, fates: dict[str, str]
) -> tuple[str, list[Action], dict[int, str]]:
    """What closing asks, checked: the note, the open actions and each one's fate."""
    _refuse_closed(barrier)
    if not can(actor, "resolve_barrier", barrier):
        raise NotAllowed("Only the leads of the team working on it and leadership can close it.")
    choice("status", outcome, Resolution, "way to close it")
    note = required_text(
        "resolution",
        resolution,
        RESOLUTION_MAX,
        "Say what was done (removed) or why we live with it (accepted).",
    )
    running = open_actions(barrier)
    return note, running, fates_for(barrier, running, fates)


def _resolve(
    actor: User,
    barrier: Barrier,
    outcome: str,
    resolution: str | None,
    version: int | None = None,
    fates: dict[str, str] | None = None,
) -> None:
    """``resolve_barrier`` without the commit (the reporter's mail goes after it)."""
    note, running, chosen = _resolve_checks(actor, barrier, outcome, resolution, fates or {})
    if version is not None:
        check_version(barrier, version)
    for action in running:
        _settle(actor, barrier, action, chosen[action.id], note)
    barrier.status, barrier.resolution = outcome, note
    barrier.resolved_at, barrier.resolved_by_id = utcnow(), actor.id
    event = record(
        actor,
        Verb.RESOLVED_BARRIER,
        barrier,
        team=barrier.team,
        title=barrier.title,
        barrier_id=barrier.id,
        outcome=outcome,
        resolution=note,
    )
    _commit_versioned(barrier, flush_only=True)
    mail_person_after_commit("jobs.notify.barrier_resolved", event, barrier.reported_by, actor)


def dropped_actions(barrier: Barrier) -> list[Action]:
    """The barrier's dropped actions: reopening offers to bring them back."""
    stmt = (
        select(Action)
        .options(joinedload(Action.owner))
        .where(Action.barrier_id == barrier.id, Action.status == ActionStatus.DROPPED.value)
        .order_by(Action.id)
    )
    return list(db.session.scalars(stmt))


def reopen_barrier(
    actor: User,
    barrier: Barrier,
    reason: str | None,
    version: int | None = None,
    restore: list[int] | None = None,
) -> Barrier:
    """A closed barrier came back: reopen it with a reason, bringing back (as planned) the
    dropped actions named in ``restore``. Its running actions set its status."""
    if not barrier.is_closed:
        raise Conflict("This barrier is not closed.")
    if not can(actor, "reopen_barrier", barrier):
        raise NotAllowed(
            "Only the person who reported it, the leads of the team on it and leadership can "
            "reopen it."
        )
    why = required_text("reason", reason, RESOLUTION_MAX, "Say why it needs reopening.")
    if version is not None:
        check_version(barrier, version)
    dropped = {a.id: a for a in dropped_actions(barrier)}
    unknown = [i for i in restore or [] if i not in dropped]
    if unknown:
        raise InvalidInput.on(
            "restore_actions", f"Action {unknown[0]} is not a dropped action of this barrier."
        )
    previous = barrier.status
    barrier.status = BarrierStatus.OPEN.value
    barrier.resolved_at = barrier.resolved_by_id = barrier.resolution = None
    for action_id in dict.fromkeys(restore or []):
        action = dropped[action_id]
        action.status, action.outcome, action.done_at = ActionStatus.PLANNED.value, None, None
        action.updated_at = utcnow()
        db.session.flush()
        record(actor, Verb.RESTORED_ACTION, action, team=barrier.team, **_action_data(action))
    _refresh_status(barrier)
    record(
        actor,
        Verb.REOPENED_BARRIER,
        barrier,
        team=barrier.team,
        title=barrier.title,
        barrier_id=barrier.id,
        reason=why,
        was=previous,
    )
    _commit_versioned(barrier)
    return get_barrier(barrier.id)


DETAIL_FIELDS = tuple(f.name for f in dataclasses.fields(BarrierDetails))


@dataclass
class BarrierChange:
    """What one change of a barrier asks (the API's PATCH): the detail fields sent, and a move
    to another status with what that needs."""

    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    status: str | None = None
    resolution: str | None = None
    reason: str | None = None
    fates: dict[str, str] | None = None
    restore: list[int] | None = None


def details_with(barrier: Barrier, sent: dict[str, Any]) -> BarrierDetails:
    """The barrier's current details with ``sent`` applied. Naming only an initiative takes its
    team; naming only another team drops an initiative that belongs to a different team."""
    current = {name: getattr(barrier, name) for name in DETAIL_FIELDS}
    if sent.get("initiative_id") is not None and "team_id" not in sent:
        current["team_id"] = None
    if "team_id" in sent and "initiative_id" not in sent:
        linked = barrier.initiative
        if linked is not None and linked.team_id != sent["team_id"]:
            current["initiative_id"] = None
    current.update(sent)
    return BarrierDetails(**current)


def change_barrier(
    actor: User, barrier: Barrier, change: BarrierChange, version: int | None
) -> Barrier:
    """One unit of work for any change to a barrier: edit or re-link an unresolved one, close
    it (status removed/accepted, with a resolution), or both at once; reopen a closed one
    (status open, with a reason). One commit: a refusal at any step leaves it as it was."""
    try:
        if barrier.is_closed:
            return _change_closed(actor, barrier, change, version)
        reopening = change.reason is not None and change.status == BarrierStatus.OPEN.value
        if reopening and not change.details:
            return reopen_barrier(actor, barrier, change.reason, version)  # 409: not closed
        return _change_unresolved(actor, barrier, change, version)
    except ServiceError:
        db.session.rollback()  # nothing half-done stays in the session
        raise


def _change_closed(
    actor: User, barrier: Barrier, change: BarrierChange, version: int | None
) -> Barrier:
    """A closed barrier only reopens (status open, with a reason); anything else is a conflict."""
    if change.details or change.fates:
        raise Conflict(
            f"This barrier is closed as {barrier.status}. Reopen it first (status open, with a "
            "reason), then change it."
        )
    if change.status == BarrierStatus.ADDRESSING.value:
        raise InvalidInput.on(
            "status",
            "A barrier is addressing while it has planned or running actions: reopen it (status "
            "open, with a reason), then log an action.",
        )
    if change.status != BarrierStatus.OPEN.value:
        raise Conflict(
            f"This barrier is closed as {barrier.status}. Reopen it (status open, with a reason) "
            "to change it."
        )
    return reopen_barrier(
        actor, barrier, change.reason, _need_api_version(version), restore=change.restore
    )


def _need_api_version(version: int | None) -> int:
    return need_version(version, API_MISSING)


def _change_unresolved(
    actor: User, barrier: Barrier, change: BarrierChange, version: int | None
) -> Barrier:
    status, resolution, fates = change.status, change.resolution, change.fates
    if change.reason is not None:
        raise InvalidInput.on("reason", "A reason goes with reopening a closed barrier.")
    if change.restore:
        raise InvalidInput.on(
            "restore_actions", "restore_actions goes with reopening a closed barrier."
        )
    closing = status in {r.value for r in Resolution}
    if status is not None and not closing and status != barrier.status:
        raise InvalidInput.on(
            "status",
            f"This barrier is {barrier.status}: open and addressing follow from its actions "
            "(addressing while one is planned or running). Log or finish an action instead.",
        )
    if resolution is not None and not closing:
        raise InvalidInput.on("resolution", "Send a resolution with status removed or accepted.")
    if fates and not closing:
        raise InvalidInput.on("open_actions", "Send open_actions with status removed or accepted.")
    if closing and not can(actor, "resolve_barrier", barrier):
        raise NotAllowed("Only the leads of the team working on it and leadership can close it.")
    version = _need_api_version(version)
    if closing:
        # Everything closing needs is checked before the edit is applied.
        assert status is not None
        _resolve_checks(actor, barrier, status, resolution, fates or {})
    if change.details:
        _edit(actor, barrier, details_with(barrier, change.details), version)
        _commit_versioned(barrier, flush_only=True)
        barrier = get_barrier(barrier.id)  # the team or initiative it now names
        version = barrier.version
    else:
        check_version(barrier, version)
    if closing:
        assert status is not None
        _resolve(actor, barrier, status, resolution, version, fates)
    _commit_versioned(barrier)
    return get_barrier(barrier.id)


def _refresh_status(barrier: Barrier) -> None:
    """An unresolved barrier is "addressing" while it has a planned or running action."""
    if barrier.is_closed:
        return
    _commit_versioned(barrier, flush_only=True)
    running = db.session.scalar(
        select(
            exists().where(
                Action.barrier_id == barrier.id, Action.status.in_(ActionStatus.running())
            )
        )
    )
    barrier.status = (BarrierStatus.ADDRESSING if running else BarrierStatus.OPEN).value
    # Always write the barrier, so its version check catches two action changes racing (each
    # seeing the other's action still running) instead of leaving a stale status behind.
    barrier.updated_at = utcnow()


def _commit_versioned(obj: Barrier | Action, *, flush_only: bool = False) -> None:
    """``commit_versioned`` with the loader that brings what the barrier or action page reads."""
    reload = get_barrier if isinstance(obj, Barrier) else get_action
    commit_versioned(obj, reload, flush_only=flush_only)


_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)
_COMMON = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "not",
        "are",
        "our",
        "can",
        "too",
        "when",
        "from",
        "that",
        "this",
        "have",
        "has",
        "was",
        "were",
        "into",
        "out",
        "off",
        "all",
        "any",
    ]
)


def similar_open(title: str, *, exclude_id: int | None = None, limit: int = 5) -> list[Barrier]:
    """Open barriers whose titles share words with ``title``, most shared words first, so people
    add to an existing barrier rather than file it twice."""
    words = [w for w in dict.fromkeys(_WORD.findall((title or "").lower())) if w not in _COMMON]
    words = words[:8]
    if not words:
        return []
    stmt = (
        select(Barrier)
        .where(
            Barrier.status.not_in(BarrierStatus.closed()),
            or_(*(Barrier.title.ilike(f"%{w}%") for w in words)),
        )
        .order_by(Barrier.reported_at.desc())
        .limit(200)
    )
    if exclude_id is not None:
        stmt = stmt.where(Barrier.id != exclude_id)
    found = list(db.session.scalars(stmt))

    def shared(b: Barrier) -> int:
        lowered = b.title.lower()
        return sum(1 for w in words if w in lowered)

    found.sort(key=lambda b: (-shared(b), -b.severity_rank))
    return found[:limit]


# --- Actions ------------------------------------------------------------------------------------


@dataclass
class ActionDetails:
    description: str
    owner_id: int | None = None
    due_on: date | None = None


def today_for(user: User) -> date:
    """Today in the person's own time zone: an action due today is not overdue yet."""

    return utcnow().astimezone(zone_for(user.timezone)).date()


def _checked_action(
    d: ActionDetails, *, today: date, unchanged_due: date | None = None
) -> ActionDetails:
    """Every field's problems at once. A due date before ``today`` is refused (it would be
    overdue the moment it is saved) unless it is the date the action already had."""
    problems: dict[str, list[str]] = {}
    text = (d.description or "").strip()
    if not text:
        problems["description"] = ["Say what will be done."]
    elif len(text) > ACTION_MAX:
        problems["description"] = [f"Use at most {ACTION_MAX} characters."]
    if d.owner_id is not None:
        owner = db.session.get(User, d.owner_id)
        if owner is None or not owner.active or owner.is_pending:
            problems["owner_id"] = ["The owner must be an active staff member."]
    if d.due_on is not None and not isinstance(d.due_on, date):
        problems["due_on"] = ["Enter a real date, such as 2027-03-31."]
    elif d.due_on is not None and d.due_on < today and d.due_on != unchanged_due:
        problems["due_on"] = [
            f"That date has passed (today is {date_text(today)}). Choose today or a later day, "
            "or leave it empty."
        ]
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], fields=problems)
    return replace(d, description=text)


def log_action(
    actor: User,
    details: ActionDetails,
    *,
    barrier: Barrier | None = None,
    initiative: Initiative | None = None,
) -> Action:
    """Log an action against a barrier or an initiative. A barrier with a planned or running
    action becomes "addressing"."""
    if barrier is None and initiative is None:
        raise InvalidInput(
            "Log the action against a barrier or an initiative.",
            fields={"barrier_id": ["Choose a barrier or an initiative."]},
        )
    if barrier is not None and initiative is not None and barrier.initiative_id != initiative.id:
        # Both subjects only when they belong together: otherwise an action could be filed
        # under a team the actor has no place in.
        raise InvalidInput(
            "That barrier is not linked to that initiative: log the action against one of them.",
            fields={"initiative_id": ["Choose the barrier's own initiative, or none."]},
        )
    if barrier is not None:
        _refuse_closed(barrier)
    for subject in (barrier, initiative):
        if subject is not None and not can(actor, "log_action", subject):
            raise NotAllowed("Only members of the team working on it (and leadership) log actions.")
    d = _checked_action(details, today=today_for(actor))
    now = utcnow()
    action = Action(
        barrier_id=barrier.id if barrier else None,
        initiative_id=initiative.id if initiative else None,
        description=d.description,
        owner_id=d.owner_id or actor.id,
        due_on=d.due_on,
        status=ActionStatus.PLANNED.value,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(action)
    db.session.flush()
    db.session.refresh(action, ["barrier", "initiative", "owner"])
    if barrier is not None:
        _refresh_status(barrier)
    record(actor, Verb.LOGGED_ACTION, action, team=action.team, **_action_data(action))
    if barrier is not None:
        _commit_versioned(barrier)  # its status may have changed
    else:
        db.session.commit()
    return get_action(action.id)


def _action_data(action: Action) -> dict[str, object]:
    return {
        "description": action.description[:200],
        "barrier_id": action.barrier_id,
        "initiative_id": action.initiative_id,
        "owner": action.owner.name if action.owner else None,
        "status": action.status,
    }


@dataclass
class ActionChange:
    status: str
    description: str
    owner_id: int | None
    due_on: date | None
    outcome: str | None


def change_for(action: Action, **changes: object) -> ActionChange:
    """The action's current values with ``changes`` applied (what a PATCH means)."""
    current = ActionChange(
        status=action.status,
        description=action.description,
        owner_id=action.owner_id,
        due_on=action.due_on,
        outcome=action.outcome,
    )
    return replace(current, **changes)  # type: ignore[arg-type]


def refuse_frozen(action: Action) -> None:
    """An action left on a closed barrier does not change until the barrier reopens (409)."""
    if action.is_frozen and action.barrier is not None:
        raise Conflict(
            f"Its barrier is closed as {action.barrier.status}. Reopen the barrier (with a "
            "reason) to change its actions."
        )


def update_action(actor: User, action: Action, change: ActionChange, version: int | None) -> Action:
    """The owner or a lead moves an action on: status, outcome, due date, wording, owner.
    Done needs an outcome. Its barrier's status follows."""
    refuse_frozen(action)
    if not can(actor, "update_action", action):
        raise NotAllowed("Only the action's owner and the team's leads can update it.")
    need_version(version)
    choice("status", change.status, ActionStatus, "status")
    d = _checked_action(
        ActionDetails(change.description, change.owner_id, change.due_on),
        today=today_for(actor),
        unchanged_due=action.due_on,
    )
    outcome = (change.outcome or "").strip() or None
    if outcome and len(outcome) > OUTCOME_MAX:
        raise InvalidInput.on("outcome", f"Use at most {OUTCOME_MAX} characters.")
    if change.status == ActionStatus.DONE.value and not outcome:
        raise InvalidInput.on("outcome", "Say what came of it: the outcome is needed when done.")
    check_version(action, version)
    before = action.status
    action.status, action.outcome = change.status, outcome
    action.description, action.owner_id, action.due_on = d.description, d.owner_id, d.due_on
    if change.status == ActionStatus.DONE.value and before != ActionStatus.DONE.value:
        action.done_at = utcnow()
    elif change.status != ActionStatus.DONE.value:
        action.done_at = None
    _commit_versioned(action, flush_only=True)
    db.session.refresh(action, ["owner"])
    if action.barrier is not None:
        _refresh_status(action.barrier)
    verb = Verb.UPDATED_ACTION
    if before != change.status:
        verb = {
            "done": Verb.COMPLETED_ACTION,
            "dropped": Verb.DROPPED_ACTION,
            "doing": Verb.STARTED_ACTION,
        }.get(change.status, Verb.UPDATED_ACTION)
    record(
        actor, verb, action, team=action.team, was=before, outcome=outcome, **_action_data(action)
    )
    _commit_versioned(action)
    return get_action(action.id)
