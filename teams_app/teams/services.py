"""The rules of mission teams. Web views and the API call these and nothing else changes teams.

Every function takes the acting user, checks permissions in teams_app.permissions, changes
state, records an activity event in the team's feed, queues mail after commit, and commits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from teams_app.activity import TEAM_NOTICES, Verb, record
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.models import (
    Activity,
    Initiative,
    MemberRole,
    Membership,
    MemberState,
    Role,
    Team,
    TeamStatus,
    User,
    utcnow,
)
from teams_app.permissions import can
from teams_app.queue import enqueue_mail_after_commit
from teams_app.validation import required_text
from teams_app.versioning import check_version, commit_versioned, need_version

NAME_MAX = 120
TEXT_MAX = 4000
NOTE_MAX = 2000
MESSAGE_MAX = 500
MAX_TEAM_SIZE = 500


# --- Loading -----------------------------------------------------------------------------------


def _team_query() -> Any:
    """The team with members, sponsor and proposer, always re-read from the database."""
    return (
        select(Team)
        .options(
            selectinload(Team.memberships).joinedload(Membership.user).joinedload(User.department),
            selectinload(Team.sponsor).selectinload(User.department),
            selectinload(Team.proposed_by).selectinload(User.department),
        )
        .execution_options(populate_existing=True)
    )


def get_team(team_id: int, *, for_update: bool = False) -> Team:
    """The team with its members loaded (permission checks read them without more queries)."""
    stmt = _team_query().where(Team.id == team_id)
    if for_update:
        stmt = stmt.with_for_update(of=Team)
    team = db.session.scalars(stmt).unique().one_or_none()
    if team is None:
        raise NotFound("No such team.")
    return team


def get_team_by_slug(slug: str) -> Team:
    team = db.session.scalars(_team_query().where(Team.slug == slug)).unique().one_or_none()
    if team is None:
        raise NotFound("No such team.")
    return team


def _lock(team: Team) -> Team:
    """Re-read the team under a row lock (PostgreSQL) so membership changes serialise."""
    return get_team(team.id, for_update=True)


# --- Proposing and the charter ----------------------------------------------------------------


@dataclass
class Charter:
    name: str
    problem: str
    goal: str
    scope: str | None = None
    open_to_join: bool = True
    max_members: int | None = None
    update_interval_days: int = 14


def _checked_charter(charter: Charter, *, team_id: int | None = None) -> Charter:
    name = required_text("name", charter.name, NAME_MAX, "Give the team a name.")
    problem = required_text(
        "problem",
        charter.problem,
        TEXT_MAX,
        "Say what problem or opportunity the team will work on.",
    )
    goal = required_text("goal", charter.goal, TEXT_MAX, "Say what the team wants to achieve.")
    scope = (charter.scope or "").strip() or None
    if scope is not None and len(scope) > TEXT_MAX:
        raise InvalidInput.on("scope", f"Use at most {TEXT_MAX} characters.")
    size = charter.max_members
    if size is not None and not 2 <= size <= MAX_TEAM_SIZE:
        raise InvalidInput.on(
            "max_members", f"Choose a size from 2 to {MAX_TEAM_SIZE}, or leave it empty."
        )
    clash = db.session.scalar(select(Team).where(Team.name_key == name.lower()))
    if clash is not None and clash.id != team_id:
        raise Conflict(
            f"A team named “{clash.name}” already exists.",
            fields={"name": ["A team with this name already exists (names ignore case)."]},
        )
    interval = charter.update_interval_days
    if not isinstance(interval, int) or not 1 <= interval <= 365:
        raise InvalidInput.on(
            "update_interval_days", "Choose how many days between updates, from 1 to 365."
        )
    return Charter(name, problem, goal, scope, bool(charter.open_to_join), size, interval)


def _unique_slug(name: str) -> str:
    # Letters of every script stay (a Greek or Japanese name keeps a readable address); runs of
    # anything else become one hyphen.
    text = unicodedata.normalize("NFKC", name).lower()
    base = re.sub(r"[\W_]+", "-", text).strip("-")[:100].strip("-") or "team"
    taken = set(db.session.scalars(select(Team.slug).where(Team.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def propose_team(actor: User, charter: Charter) -> Team:
    """Any active staff member proposes a team; they become its first lead."""
    if not can(actor, "propose_team"):
        raise NotAllowed("Your account cannot propose teams.")
    c = _checked_charter(charter)
    now = utcnow()
    team = Team(
        name=c.name,
        name_key=c.name.lower(),
        slug=_unique_slug(c.name),
        problem=c.problem,
        goal=c.goal,
        scope=c.scope,
        open_to_join=c.open_to_join,
        max_members=c.max_members,
        update_interval_days=c.update_interval_days,
        proposed_by_id=actor.id,
        proposed_at=now,
    )
    team.memberships.append(Membership(user_id=actor.id, role=MemberRole.LEAD.value, joined_at=now))
    db.session.add(team)
    db.session.flush()
    record(actor, Verb.PROPOSED, team, team=team)
    db.session.commit()
    return team


# The states a team must be in for an action on it. Acting on a team in another state is a
# conflict (409) for everyone, whatever their role, so it is refused before asking who acts:
# a team's status is public, and "this team is closed" is the answer that helps.
_STATES_FOR = {
    "edit_charter": (TeamStatus.PROPOSED.value, TeamStatus.ACTIVE.value),
    "close_team": (TeamStatus.ACTIVE.value,),
    "manage_members": (TeamStatus.ACTIVE.value,),
}


def ensure_team_state(action: str, team: Team) -> None:
    """Conflict unless ``team`` is in a state where ``action`` can happen at all."""
    allowed = _STATES_FOR.get(action)
    if allowed is not None and team.status not in allowed:
        wanted = " or ".join(allowed)
        raise Conflict(f"This team is {team.status}; that can be done only while it is {wanted}.")


def update_charter(actor: User, team: Team, charter: Charter, version: int | None) -> Team:
    """Leads (and leadership) edit the charter; a stale ``version`` is refused, not overwritten."""
    ensure_team_state("edit_charter", team)
    if not can(actor, "edit_charter", team):
        raise NotAllowed("Only the team's leads and leadership can edit the charter.")
    need_version(version)
    c = _checked_charter(charter, team_id=team.id)
    if c.max_members is not None and c.max_members < len(team.active_memberships()):
        raise InvalidInput.on(
            "max_members",
            f"The team already has {len(team.active_memberships())} members; choose at least that.",
        )
    check_version(team, version)
    changed = [
        f
        for f in (
            "name",
            "problem",
            "goal",
            "scope",
            "open_to_join",
            "max_members",
            "update_interval_days",
        )
        if getattr(team, f) != getattr(c, f)
    ]
    team.name, team.name_key = c.name, c.name.lower()
    team.problem, team.goal, team.scope = c.problem, c.goal, c.scope
    team.open_to_join, team.max_members = c.open_to_join, c.max_members
    if team.update_interval_days != c.update_interval_days:
        team.update_interval_days = c.update_interval_days
        _reschedule_updates(team)
    record(actor, Verb.EDITED_CHARTER, team, team=team, fields=changed)
    commit_versioned(team, get_team)
    return team


def _reschedule_updates(team: Team) -> None:
    """A new update interval moves every initiative's next-update-due time."""
    for initiative in db.session.scalars(select(Initiative).where(Initiative.team_id == team.id)):
        since = initiative.last_update_at or initiative.created_at
        initiative.update_due_at = since + timedelta(days=team.update_interval_days)


def _require_status(team: Team, *allowed: TeamStatus, action: str) -> None:
    if team.status not in {s.value for s in allowed}:
        raise Conflict(f"This team is {team.status}; it cannot be {action}.")


def charter_team(actor: User, team: Team, sponsor_id: int | None, note: str | None = None) -> Team:
    """Leadership charters a proposed team, naming a sponsor from leadership."""
    if not can(actor, "review_proposals"):
        raise NotAllowed("Only leadership can charter teams.")
    _require_status(team, TeamStatus.PROPOSED, action="chartered")
    sponsor = db.session.get(User, sponsor_id) if sponsor_id else None
    if sponsor is None or not sponsor.active or sponsor.role != Role.LEADERSHIP.value:
        raise InvalidInput.on(
            "sponsor_id", "Choose a sponsor from leadership: they answer for the team's work."
        )
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise InvalidInput.on("note", f"Use at most {NOTE_MAX} characters.")
    team.status = TeamStatus.ACTIVE.value
    team.sponsor_id, team.charter_note, team.chartered_at = sponsor.id, note, utcnow()
    event = record(actor, Verb.CHARTERED, team, team=team, sponsor=sponsor.name, note=note)
    _notify_after_commit(event)
    commit_versioned(team, get_team)
    return team


def decline_team(actor: User, team: Team, reason: str) -> Team:
    """Leadership declines a proposal with a reason the proposer will read."""
    if not can(actor, "review_proposals"):
        raise NotAllowed("Only leadership can decline teams.")
    _require_status(team, TeamStatus.PROPOSED, action="declined")
    reason = required_text("reason", reason, NOTE_MAX, "Say why the proposal is declined.")
    team.status, team.decline_reason, team.declined_at = TeamStatus.DECLINED.value, reason, utcnow()
    event = record(actor, Verb.DECLINED, team, team=team, reason=reason)
    _notify_after_commit(event)
    commit_versioned(team, get_team)
    return team


def close_team(actor: User, team: Team, summary: str) -> Team:
    """A lead or leadership closes an active team with what was learned; it becomes read-only."""
    ensure_team_state("close_team", team)
    if not can(actor, "close_team", team):
        raise NotAllowed("Only the team's leads and leadership can close it.")
    summary = required_text("summary", summary, TEXT_MAX, "Say what the team learned.")
    team.status, team.closing_summary, team.closed_at = TeamStatus.CLOSED.value, summary, utcnow()
    event = record(actor, Verb.CLOSED, team, team=team)
    _notify_after_commit(event)
    commit_versioned(team, get_team)
    return team


# --- Membership --------------------------------------------------------------------------------


def _active_count(team: Team) -> int:
    return len(team.active_memberships())


def _ensure_room(team: Team, adding: int = 1) -> None:
    if team.max_members is not None and _active_count(team) + adding > team.max_members:
        raise Conflict(f"{team.name} is full ({team.max_members} members).")


def _ensure_active(team: Team) -> None:
    if team.status != TeamStatus.ACTIVE.value:
        raise Conflict(
            f"This team is {team.status}; membership can change only while it is active."
        )


def join_team(actor: User, team: Team, message: str | None = None) -> Membership:
    """Join an open team at once, or ask to join one that asks (its leads are told)."""
    team = _lock(team)
    _ensure_active(team)
    existing = team.membership_of(actor.id)
    if existing is not None and existing.state == MemberState.ACTIVE.value:
        raise Conflict("You are already a member of this team.")
    if existing is not None and existing.state == MemberState.REQUESTED.value:
        raise Conflict("You have already asked to join; the team's leads will answer.")
    message = (message or "").strip() or None
    if message and len(message) > MESSAGE_MAX:
        raise InvalidInput.on("message", f"Use at most {MESSAGE_MAX} characters.")
    _ensure_room(team)
    now = utcnow()
    membership = existing or Membership(team_id=team.id, user_id=actor.id)
    membership.role = MemberRole.MEMBER.value
    membership.message, membership.ended_at, membership.decided_by_id = message, None, None
    if team.open_to_join:
        membership.state, membership.joined_at = MemberState.ACTIVE.value, now
        verb = Verb.JOINED
    else:
        membership.state, membership.requested_at = MemberState.REQUESTED.value, now
        verb = Verb.REQUESTED_TO_JOIN
    if existing is None:
        team.memberships.append(membership)
    db.session.flush()
    event = record(actor, verb, team, team=team, user_id=actor.id, message=message)
    if verb in TEAM_NOTICES:
        _notify_after_commit(event)
    db.session.commit()
    return membership


def _membership(team: Team, user_id: int) -> Membership:
    membership = team.membership_of(user_id)
    if membership is None:
        raise NotFound("That person has no membership or request in this team.")
    return membership


def _require_lead(actor: User, team: Team) -> None:
    _ensure_active(team)
    if not can(actor, "manage_members", team):
        raise NotAllowed("Only the team's leads can manage its members.")


def decide_request(actor: User, team: Team, user_id: int, accept: bool) -> Membership:
    """A lead accepts (if there is room) or declines a request to join."""
    team = _lock(team)
    _require_lead(actor, team)
    membership = _membership(team, user_id)
    if membership.state != MemberState.REQUESTED.value:
        raise Conflict(f"There is no open request from {membership.user.name}.")
    if accept:
        _ensure_room(team)
        membership.state, membership.joined_at = MemberState.ACTIVE.value, utcnow()
    else:
        membership.state, membership.ended_at = MemberState.DECLINED.value, utcnow()
    membership.decided_by_id = actor.id
    verb = Verb.ACCEPTED_REQUEST if accept else Verb.DECLINED_REQUEST
    event = record(actor, verb, team, team=team, user_id=user_id, name=membership.user.name)
    _notify_after_commit(event)
    db.session.commit()
    return membership


def add_member(actor: User, team: Team, user_id: int) -> Membership:
    """A lead adds a colleague directly (an open request from them is accepted)."""
    team = _lock(team)
    _require_lead(actor, team)
    person = db.session.get(User, user_id)
    if person is None or not person.active:
        raise InvalidInput.on("user_id", "Choose an active colleague from the directory.")
    membership = team.membership_of(user_id)
    if membership is not None and membership.state == MemberState.ACTIVE.value:
        raise Conflict(f"{person.name} is already a member.")
    _ensure_room(team)
    if membership is None:
        membership = Membership(team_id=team.id, user_id=user_id)
        team.memberships.append(membership)
    membership.role, membership.state = MemberRole.MEMBER.value, MemberState.ACTIVE.value
    membership.joined_at, membership.ended_at, membership.decided_by_id = utcnow(), None, actor.id
    db.session.flush()
    event = record(actor, Verb.ADDED_MEMBER, team, team=team, user_id=user_id, name=person.name)
    _notify_after_commit(event)
    db.session.commit()
    return membership


def _ensure_not_last_lead(team: Team, membership: Membership, doing: str) -> None:
    if membership.is_lead and len(team.lead_ids()) == 1:
        raise Conflict(f"The last lead cannot {doing}. Make someone else a lead first.")


def set_member_role(actor: User, team: Team, user_id: int, role: str) -> Membership:
    """A lead promotes a member to lead, or a lead back to member (never the last lead)."""
    team = _lock(team)
    _require_lead(actor, team)
    if role not in {r.value for r in MemberRole}:
        raise InvalidInput.on("role", "Choose lead or member.")
    membership = _membership(team, user_id)
    if membership.state != MemberState.ACTIVE.value:
        raise Conflict(f"{membership.user.name} is not an active member.")
    if membership.role == role:
        raise Conflict(f"{membership.user.name} is already a {role}.")
    if role == MemberRole.MEMBER.value:
        _ensure_not_last_lead(team, membership, "step down")
    membership.role = role
    verb = Verb.PROMOTED if role == MemberRole.LEAD.value else Verb.DEMOTED
    record(actor, verb, team, team=team, user_id=user_id, name=membership.user.name)
    db.session.commit()
    return membership


def remove_member(actor: User, team: Team, user_id: int) -> Membership:
    """A lead removes a member (not the last lead)."""
    team = _lock(team)
    _require_lead(actor, team)
    membership = _membership(team, user_id)
    if membership.state != MemberState.ACTIVE.value:
        raise Conflict(f"{membership.user.name} is not an active member.")
    _ensure_not_last_lead(team, membership, "be removed")
    membership.state, membership.ended_at = MemberState.REMOVED.value, utcnow()
    record(actor, Verb.REMOVED_MEMBER, team, team=team, user_id=user_id, name=membership.user.name)
    db.session.commit()
    return membership


def leave_team(actor: User, team: Team) -> Membership:
    """A member leaves; the last lead must hand over first."""
    team = _lock(team)
    _ensure_active(team)
    membership = team.membership_of(actor.id)
    if membership is None or membership.state != MemberState.ACTIVE.value:
        raise Conflict("You are not a member of this team.")
    _ensure_not_last_lead(team, membership, "leave")
    membership.state, membership.ended_at = MemberState.LEFT.value, utcnow()
    record(actor, Verb.LEFT, team, team=team, user_id=actor.id)
    db.session.commit()
    return membership


def _notify_after_commit(event: Activity) -> None:
    """Mail the people an event concerns (jobs/notify.py decides who), once it is committed."""
    db.session.flush()
    enqueue_mail_after_commit("jobs.notify.team_event", event.id, key=f"team_event:{event.id}")


# --- Reading -----------------------------------------------------------------------------------


def leads_of(team: Team) -> list[User]:
    return [m.user for m in team.active_memberships() if m.role == MemberRole.LEAD.value]


def proposal_queue() -> list[Team]:
    """Proposals waiting for leadership, oldest first."""
    stmt = (
        select(Team)
        .options(selectinload(Team.proposed_by))
        .where(Team.status == TeamStatus.PROPOSED.value)
        .order_by(Team.proposed_at, Team.id)
    )
    return list(db.session.scalars(stmt))


def leadership_choices() -> list[User]:
    """Who may sponsor a team: active leadership (admins run the system, they do not sponsor)."""
    stmt = (
        select(User)
        .where(User.active.is_(True), User.role == Role.LEADERSHIP.value)
        .order_by(func.lower(User.name))
    )
    return list(db.session.scalars(stmt))
