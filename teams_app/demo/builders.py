"""Builders: one function per thing the demo (and the tests, through tests/factories.py) makes.

Each goes through the same service a person's request would (so permissions, activity events,
notices and versions are what the app itself writes), then, when given ``days_ago``, moves what
the service stamped into the past with a ``clock.Timeline``. Only ``make_department`` and
``make_person`` write rows directly: the demo's people are not invited, they already work here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select

from teams_app.barriers import services as barriers
from teams_app.demo.clock import Timeline, days_ago
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.initiatives.pipeline import stages
from teams_app.models import (
    Action,
    Activity,
    Barrier,
    Department,
    ImpactStory,
    Initiative,
    StageChange,
    StatusUpdate,
    Team,
    User,
)
from teams_app.stories import services as stories
from teams_app.teams import services as teams

# --- People ------------------------------------------------------------------------------------


def make_department(name: str, kind: str) -> Department:
    """Added to the session (not committed): the seed adds every department, then flushes."""
    department = Department(name=name, name_key=name.lower(), kind=kind)
    db.session.add(department)
    return department


def make_person(
    *,
    name: str,
    email: str,
    role: str,
    level: str,
    department: Department,
    password_hash: str,
    timezone: str,
    joined_days_ago: int,
    digest_frequency: str,
) -> User:
    """Added to the session (not committed): someone who has worked here a while."""
    person = User(
        email=email,
        name=name,
        role=role,
        level=level,
        department_id=department.id,
        password_hash=password_hash,
        timezone=timezone,
        created_at=days_ago(joined_days_ago),
        digest_frequency=digest_frequency,
    )
    db.session.add(person)
    return person


# --- Teams -------------------------------------------------------------------------------------


def make_team(
    lead: User,
    *,
    name: str,
    status: str = "active",
    sponsor: User | None = None,
    problem: str = "Customers wait too long at the desk.",
    goal: str = "Halve the wait.",
    scope: str | None = None,
    open_to_join: bool = True,
    max_members: int | None = None,
    members: Sequence[User] = (),
    co_leads: Sequence[User] = (),
    requests: Sequence[tuple[User, str | None]] = (),
    charter_note: str | None = None,
    decline_reason: str = "Not now.",
    closing_summary: str = "We learned a lot.",
    days_ago: int | None = None,
) -> Team:
    """A team ``lead`` proposed, in ``status``: the sponsor (leadership) charters or declines it;
    once active the lead adds ``members``, makes ``co_leads`` leads too, and ``requests`` ask to
    join; a closed team was active first. With ``days_ago``, its history starts that long ago."""

    charter = teams.Charter(
        name=name,
        problem=problem,
        goal=goal,
        scope=scope,
        open_to_join=open_to_join,
        max_members=max_members,
    )
    team = teams.propose_team(lead, charter)
    if status != "proposed" and sponsor is None:
        raise ValueError(f"A {status} team needs a sponsor from leadership.")
    if status in ("active", "closed"):
        assert sponsor is not None
        teams.charter_team(sponsor, team, sponsor.id, charter_note)
        for person in members:
            teams.add_member(lead, team, person.id)
        for person in co_leads:
            teams.set_member_role(lead, team, person.id, "lead")
        for person, message in requests:
            teams.join_team(person, team, message)
    if status == "declined":
        assert sponsor is not None
        teams.decline_team(sponsor, team, decline_reason)
    if status == "closed":
        teams.close_team(lead, team, closing_summary)
    loaded: Team = teams.get_team(team.id)
    if days_ago is not None:
        _backdate_team(loaded, days_ago)
        db.session.commit()
    return loaded


def _backdate_team(team: Team, days: int) -> None:
    """Spread the team's events evenly over the past ``days`` days; its dates follow them."""
    events = db.session.scalars(
        select(Activity).where(Activity.team_id == team.id).order_by(Activity.id)
    ).all()
    timeline = Timeline.over(days, len(events) + 1)
    timeline.stamp(events, "at")
    team.proposed_at = timeline.start
    if team.chartered_at:
        team.chartered_at = timeline.at(1)
    if team.declined_at:
        team.declined_at = timeline.at(1)
    if team.closed_at:  # when its "closed the team" event says
        closing = [e.at for e in events if e.verb == "closed"]
        team.closed_at = closing[-1] if closing else timeline.at(len(events))
    for m in team.memberships:
        if m.joined_at:
            m.joined_at = timeline.at(1)
        if m.requested_at:
            m.requested_at = timeline.at(len(events))


# --- Initiatives -------------------------------------------------------------------------------


def make_initiative(
    lead: User,
    team: Team,
    title: str,
    *,
    owner: User | None = None,
    path: Sequence[str] = (),
    updates: Sequence[tuple[str, str]] = (),
    back_note: str | None = None,
    stop_note: str | None = None,
    days_ago: int | None = None,
    target_date: date | None = None,
) -> Initiative:
    """An initiative ``lead`` adds to ``team`` and moves through the stages named in ``path``
    (a move back carries ``back_note``, a stop ``stop_note``); its ``owner`` posts ``updates``
    as (health, body). With ``days_ago`` its history is spread over that many days, and a
    ``target_date`` (which may already be past) is set after."""

    by_name = {st.name: st for st in stages()}
    item = initiatives.create_initiative(
        lead, team, initiatives.Details(title=title, owner_id=owner.id if owner else None)
    )
    previous = item.stage.name
    for stage_name in path:
        back = by_name[stage_name].position < by_name[previous].position
        stopping = by_name[stage_name].kind == "stopped"
        note = back_note if back else (stop_note if stopping else None)
        item = initiatives.move_initiative(lead, item, by_name[stage_name].id, note=note)
        previous = stage_name
    for health, body in updates:
        initiatives.post_update(owner or lead, initiatives.get_initiative(item.id), health, body)
    if days_ago is not None:
        _backdate_initiative(item.id, team, days_ago, target_date)
        db.session.commit()
    elif target_date is not None:
        raise ValueError("A target date is set with days_ago (it may be in the past).")
    return initiatives.get_initiative(item.id)


def _backdate_initiative(
    initiative_id: int, team: Team, days: int, target_date: date | None
) -> None:
    """Time in stage and staleness look real: stage changes, then updates, evenly over ``days``;
    the feed's events for it follow the same span."""
    changes = db.session.scalars(
        select(StageChange)
        .where(StageChange.initiative_id == initiative_id)
        .order_by(StageChange.id)
    ).all()
    posts = db.session.scalars(
        select(StatusUpdate)
        .where(StatusUpdate.initiative_id == initiative_id)
        .order_by(StatusUpdate.id)
    ).all()
    history = Timeline.over(days, len(changes) + len(posts) + 1)
    history.stamp(changes, "at")
    history.stamp(posts, "created_at", first=len(changes))
    events = db.session.scalars(
        select(Activity)
        .where(Activity.subject_type == "initiative", Activity.subject_id == initiative_id)
        .order_by(Activity.id)
    ).all()
    Timeline.over(days, len(events) + 1).stamp(events, "at")
    fresh = db.session.get(Initiative, initiative_id)
    assert fresh is not None
    fresh.created_at = history.start
    fresh.stage_entered_at = changes[-1].at
    last = posts[-1].created_at if posts else history.start
    fresh.last_update_at = posts[-1].created_at if posts else None
    fresh.update_due_at = last + timedelta(days=team.update_interval_days)
    if fresh.completed_at:
        fresh.completed_at = changes[-1].at
    if target_date is not None:
        fresh.target_date = target_date


# --- Barriers and actions ----------------------------------------------------------------------


def make_barrier(
    reporter: User,
    *,
    title: str,
    category: str,
    affects: str,
    severity: str,
    source: str,
    description: str | None = None,
    team: Team | None = None,
    initiative: Initiative | None = None,
    department: Department | None = None,
) -> Barrier:
    """A barrier ``reporter`` reports, handed to ``team`` (and ``initiative``) if given."""

    return barriers.report_barrier(
        reporter,
        barriers.BarrierDetails(
            title=title,
            description=description,
            category=category,
            affects=affects,
            severity=severity,
            source=source,
            team_id=team.id if team else None,
            initiative_id=initiative.id if initiative else None,
            department_id=department.id if department else None,
        ),
    )


def make_action(
    actor: User,
    description: str,
    due_on: date | None = None,
    *,
    barrier: Barrier | None = None,
    initiative: Initiative | None = None,
    owner_id: int | None = None,
    status: str = "planned",
    outcome: str | None = None,
) -> Action:
    """An action logged through the service. A due date already past is given as logged
    earlier, while it was still ahead: a new action cannot be due in the past. Its owner then
    moves it to ``status`` (with an ``outcome``) if that is not "planned"."""

    past = due_on is not None and due_on < barriers.today_for(actor)
    action = barriers.log_action(
        actor,
        barriers.ActionDetails(description, owner_id, None if past else due_on),
        barrier=barriers.get_barrier(barrier.id) if barrier is not None else None,
        initiative=initiative,
    )
    if past:
        db.session.execute(
            Action.__table__.update().where(Action.id == action.id).values(due_on=due_on)
        )
        db.session.commit()
    action = barriers.get_action(action.id)
    if status != "planned":
        owner = db.session.get(User, owner_id) if owner_id is not None else actor
        assert owner is not None
        change = barriers.change_for(action, status=status, outcome=outcome)
        action = barriers.update_action(owner, action, change, action.version)
    return action


def backdate_barrier(
    barrier_id: int, action_ids: Sequence[int], reported: datetime, end: datetime
) -> None:
    """Spread a barrier's history (its events and its actions') from ``reported`` to ``end``:
    now, or when it was resolved, which is then its last event."""
    fresh = db.session.get(Barrier, barrier_id)
    assert fresh is not None
    fresh.reported_at = reported
    if fresh.resolved_at is not None:
        fresh.resolved_at = end
    events = db.session.scalars(
        select(Activity)
        .where(
            ((Activity.subject_type == "barrier") & (Activity.subject_id == barrier_id))
            | ((Activity.subject_type == "action") & Activity.subject_id.in_(action_ids or [0]))
        )
        .order_by(Activity.id)
    ).all()
    timeline = Timeline(reported, end, max(1, len(events)))
    timeline.stamp(events, "at")
    if fresh.resolved_at is not None and events:
        events[-1].at = end  # the closing event
    for action_id in action_ids:
        row = db.session.get(Action, action_id)
        if row is not None:
            row.created_at = timeline.at(1)
            if row.done_at is not None:
                row.done_at = end - timeline.step
    db.session.commit()


# --- Stories -----------------------------------------------------------------------------------


def make_story(
    author: User,
    *,
    title: str,
    body: str = "A customer left **happy**.",
    kind: str = "win",
    shared_at: datetime | None = None,
    **details: object,
) -> ImpactStory:
    """An impact story ``author`` shares through the service (no personal details in it); other
    ``details`` are StoryDetails fields. ``shared_at`` moves its sharing time into the past."""

    story_details = stories.StoryDetails(
        title=title, body=body, kind=kind, no_personal_details=True
    )
    for name, value in details.items():
        setattr(story_details, name, value)
    story = stories.share_story(author, story_details)
    if shared_at is not None:
        row = db.session.get(ImpactStory, story.id)
        assert row is not None
        row.created_at = shared_at
        db.session.commit()
    return story
