"""What goes in a person's digest for a window of time: the same content for the mail, the
preview page and ``GET /api/v1/me/digest``.

A fixed number of queries (at most nine) whatever happened in their teams, for one person or for
a batch of them: ``load`` fetches a batch's sources at once and ``assemble`` builds each
person's digest from them, so the weekly run does not query once per person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from teams_app.activity import Verb, describe
from teams_app.database import enum_values
from teams_app.dates import date_text, month_text
from teams_app.digests.schedule import zone_for
from teams_app.extensions import db
from teams_app.models import (
    Action,
    ActionStatus,
    Activity,
    Delivery,
    Health,
    ImpactStory,
    Initiative,
    MemberRole,
    Membership,
    MemberState,
    Notification,
    Stage,
    StageKind,
    Team,
    TeamStatus,
    User,
)
from teams_app.templating import due_text, health_label
from teams_app.urls import external_url

# Team events worth a line in a digest (an edit of wording is not news).
TEAM_VERBS = frozenset(
    {
        Verb.MOVED_INITIATIVE,
        Verb.POSTED_UPDATE,
        Verb.CREATED_INITIATIVE,
        Verb.REPORTED_BARRIER,
        Verb.RESOLVED_BARRIER,
        Verb.REOPENED_BARRIER,
        Verb.COMPLETED_ACTION,
        Verb.JOINED,
        Verb.ACCEPTED_REQUEST,
        Verb.ADDED_MEMBER,
    }
)


@dataclass
class Item:
    kind: str
    text: str
    url: str
    at: datetime | None = None


@dataclass
class Section:
    title: str
    items: list[Item]
    team_id: int | None = None


@dataclass
class Digest:
    sections: list[Section] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(s.items for s in self.sections)

    @property
    def count(self) -> int:
        return sum(len(s.items) for s in self.sections)

    def as_dict(self) -> dict[str, Any]:
        """The API's shape: ``{empty, sections: [{title, team_id?, items: [...]}]}``."""
        return {"empty": self.empty, "sections": [asdict(s) for s in self.sections]}


def _event_url(event: Activity, team: Team) -> str:
    data = event.data or {}
    if event.subject_type == "initiative":
        return external_url("initiatives.show", initiative_id=event.subject_id)
    if event.subject_type == "barrier":
        return external_url("barriers.show", barrier_id=event.subject_id)
    if event.subject_type == "action" and data.get("barrier_id"):
        return external_url("barriers.show", barrier_id=data["barrier_id"])
    if event.subject_type == "action" and data.get("initiative_id"):
        return external_url("initiatives.show", initiative_id=data["initiative_id"])
    return external_url("teams.show", slug=team.slug)


def _health_words(value: str) -> str:
    """A health as the pages label it, in a sentence ("on track"); an unknown value as it is."""
    return health_label(value).lower() if value in enum_values(Health) else value


def _event_text(event: Activity) -> str:
    who = event.actor.name if event.actor else "Someone"
    text = f"{who} {describe(event)}"
    data = event.data or {}
    if event.verb == Verb.POSTED_UPDATE:
        before, after = str(data.get("previous_health") or ""), str(data.get("health") or "")
        if before and before != after:
            text = (
                f"{who} posted an update on “{data.get('title', '')}”: health changed from "
                f"{_health_words(before)} to {_health_words(after)}"
            )
    return text


def _net_moves(events: Sequence[Activity]) -> list[tuple[Activity, str]]:
    """Events (newest first) with their text, an initiative's stage moves folded into one line:
    where it started the window and where it is now ("moved X from Discover to Pilot"), at the
    place of its latest move. Moving through three stages in a week is one change to a reader."""
    moves: dict[int, list[Activity]] = {}
    for e in events:
        if e.verb == Verb.MOVED_INITIATIVE:
            moves.setdefault(e.subject_id, []).append(e)
    out: list[tuple[Activity, str]] = []
    for e in events:
        if e.verb != Verb.MOVED_INITIATIVE:
            out.append((e, _event_text(e)))
            continue
        group = moves[e.subject_id]
        if e is not group[0]:
            continue  # folded into the latest move
        if len(group) == 1:
            out.append((e, _event_text(e)))
            continue
        names = list(dict.fromkeys(m.actor.name if m.actor else "Someone" for m in reversed(group)))
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        data = e.data or {}
        start = (group[-1].data or {}).get("from_stage", "")
        now = data.get("to_stage", "")
        title = data.get("title", "")
        if start == now:
            text = f"{who} moved “{title}” and it is back in {now} ({len(group)} moves)"
        else:
            text = f"{who} moved “{title}” from {start} to {now} ({len(group)} moves)"
        out.append((e, text))
    return out


@dataclass(frozen=True)
class Window:
    """One person's digest window: news after ``since`` up to ``until``."""

    user: User
    since: datetime
    until: datetime

    @property
    def today(self) -> date:
        """ "Overdue" is judged in the person's own calendar."""
        return self.until.astimezone(zone_for(self.user.timezone)).date()

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.since < at <= self.until


@dataclass
class Sources:
    """What the digests of a batch of people draw on, loaded by ``load`` in a fixed number of
    queries whatever the batch's size: each query covers the whole batch (``IN`` over its people
    or teams, the widest window of the batch) and ``assemble`` keeps each person's share."""

    actions: dict[int, list[Action]] = field(default_factory=dict)  # by owner
    stale: dict[int, list[Initiative]] = field(default_factory=dict)  # by owner
    memberships: dict[int, list[Membership]] = field(default_factory=dict)  # by person
    events: list[Activity] = field(default_factory=list)  # newest first
    requests: list[Membership] = field(default_factory=list)  # newest first
    proposals: list[Team] = field(default_factory=list)
    updates: list[Activity] = field(default_factory=list)  # status updates, newest first
    went_stale: list[Initiative] = field(default_factory=list)
    featured: list[tuple[ImpactStory, datetime]] = field(default_factory=list)  # newest first


@dataclass(frozen=True)
class _Span:
    """What a batch's queries cover: its people, the widest window, and the last day an
    action's due date is news to any of them."""

    ids: list[int]
    since: datetime
    until: datetime
    last_day: date


def load(windows: Sequence[Window]) -> Sources:
    """Everything ``assemble`` needs for these windows: at most nine queries for any number."""
    sources = Sources()
    if not windows:
        return sources
    span = _Span(
        ids=sorted({w.user.id for w in windows}),
        since=min(w.since for w in windows),
        until=max(w.until for w in windows),
        last_day=max(w.today for w in windows) + timedelta(days=7),
    )
    _load_actions(sources, span)
    _load_stale(sources, span)
    _load_team_news(sources, span)
    _load_requests(sources, span)
    if any(w.user.is_leadership for w in windows):
        _load_portfolio(sources, span)
    _load_featured(sources, span)
    return sources


def _load_actions(sources: Sources, span: _Span) -> None:
    """1. Their own actions: overdue, or due within seven days."""
    for a in db.session.scalars(
        select(Action)
        .options(joinedload(Action.barrier), joinedload(Action.initiative))
        .where(
            Action.owner_id.in_(span.ids),
            Action.status.in_(ActionStatus.running()),
            Action.due_on.is_not(None),
            Action.due_on <= span.last_day,
        )
        .order_by(Action.due_on, Action.id)
    ):
        sources.actions.setdefault(a.owner_id or 0, []).append(a)


def _load_stale(sources: Sources, span: _Span) -> None:
    """2. Their initiatives that have gone stale."""
    for i in db.session.scalars(
        select(Initiative)
        .join(Stage, Stage.id == Initiative.stage_id)
        .where(
            Initiative.owner_id.in_(span.ids),
            Stage.kind == StageKind.OPEN.value,
            Initiative.update_due_at < span.until,
        )
        .order_by(Initiative.update_due_at, Initiative.id)
    ):
        sources.stale.setdefault(i.owner_id or 0, []).append(i)


def _load_team_news(sources: Sources, span: _Span) -> None:
    """3. Their teams, and news from those teams."""
    for m in db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.team))
        .join(Team, Team.id == Membership.team_id)
        .where(
            Membership.user_id.in_(span.ids),
            Membership.state == MemberState.ACTIVE.value,
            Team.status == TeamStatus.ACTIVE.value,
        )
        .order_by(Membership.id)
    ):
        sources.memberships.setdefault(m.user_id, []).append(m)
    team_ids = sorted({m.team_id for ms in sources.memberships.values() for m in ms})
    if team_ids:
        sources.events = list(
            db.session.scalars(
                select(Activity)
                .options(joinedload(Activity.actor))
                .where(
                    Activity.team_id.in_(team_ids),
                    Activity.verb.in_(TEAM_VERBS),
                    Activity.at > span.since,
                    Activity.at <= span.until,
                )
                .order_by(Activity.at.desc(), Activity.id.desc())
            )
        )


def _load_requests(sources: Sources, span: _Span) -> None:
    """4. For leads (of the teams ``_load_team_news`` found): people who asked to join."""
    lead_team_ids = sorted(
        {
            m.team_id
            for ms in sources.memberships.values()
            for m in ms
            if m.role == MemberRole.LEAD.value
        }
    )
    if lead_team_ids:
        sources.requests = list(
            db.session.scalars(
                select(Membership)
                .options(joinedload(Membership.user), joinedload(Membership.team))
                .where(
                    Membership.team_id.in_(lead_team_ids),
                    Membership.state == MemberState.REQUESTED.value,
                    Membership.requested_at > span.since,  # new ones only: nothing repeated
                    Membership.requested_at <= span.until,
                )
                .order_by(Membership.requested_at.desc(), Membership.id.desc())
            )
        )


def _load_portfolio(sources: Sources, span: _Span) -> None:
    """5. For leadership: new proposals, status updates, initiatives that went stale."""
    sources.proposals = list(
        db.session.scalars(
            select(Team)
            .where(
                Team.status == TeamStatus.PROPOSED.value,
                Team.proposed_at > span.since,
                Team.proposed_at <= span.until,
            )
            .order_by(Team.proposed_at.desc(), Team.id.desc())
        )
    )
    sources.updates = list(
        db.session.scalars(
            select(Activity)
            .options(joinedload(Activity.actor))
            .where(
                Activity.verb == Verb.POSTED_UPDATE,
                Activity.at > span.since,
                Activity.at <= span.until,
            )
            .order_by(Activity.at.desc(), Activity.id.desc())
        )
    )
    sources.went_stale = list(
        db.session.scalars(
            select(Initiative)
            .join(Stage, Stage.id == Initiative.stage_id)
            .options(joinedload(Initiative.team))
            .where(
                Stage.kind == StageKind.OPEN.value,
                and_(
                    Initiative.update_due_at > span.since,
                    Initiative.update_due_at <= span.until,
                ),
            )
            .order_by(Initiative.update_due_at.desc(), Initiative.id.desc())
        )
    )


def _load_featured(sources: Sources, span: _Span) -> None:
    """6. For everyone: stories picked as the Impact Story of the Month (still featured,
    visible)."""
    sources.featured = [
        (story, at)
        for story, at in db.session.execute(
            select(ImpactStory, Activity.at)
            .join(
                Activity,
                and_(
                    Activity.subject_type == "impactstory",
                    Activity.subject_id == ImpactStory.id,
                    Activity.verb == Verb.FEATURED_STORY,
                ),
            )
            .where(
                Activity.at > span.since,
                Activity.at <= span.until,
                ImpactStory.featured_month.is_not(None),
                ImpactStory.hidden.is_(False),
            )
            .order_by(Activity.at.desc(), Activity.id.desc())
        )
    ]


def build(user: User, since: datetime, until: datetime) -> Digest:
    """Everything new for ``user`` after ``since`` up to ``until``, newest first, grouped."""
    return build_many([Window(user, since, until)])[0]


def build_many(windows: Sequence[Window]) -> list[Digest]:
    """The digests of a batch of people, the same as ``build`` gives each of them alone."""
    sources = load(windows)
    digests = [assemble(w, sources) for w in windows]
    add_conversations(windows, digests)
    return digests


def add_conversations(windows: Sequence[Window], digests: Sequence[Digest]) -> None:
    """The "Conversations" section: notifications each person asked to read in their digest
    (mentions, replies, comments and changes on what they follow), one query for the batch."""

    if not windows:
        return
    since = min(w.since for w in windows)
    rows = db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id.in_([w.user.id for w in windows]),
            Notification.delivery == Delivery.DIGEST.value,
            Notification.created_at > since,
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    found: dict[int, list[Notification]] = {}
    for n in rows:
        found.setdefault(n.user_id, []).append(n)
    base = external_url("main.home").rstrip("/")
    for w, digest in zip(windows, digests, strict=True):
        items = [
            Item(
                "conversation",
                n.text,
                base + n.url if n.url.startswith("/") else n.url,
                n.created_at,
            )
            for n in found.get(w.user.id, [])
            if w.holds(n.created_at)
        ][:20]
        if items:
            digest.sections.append(Section("Conversations", items))


def assemble(window: Window, sources: Sources) -> Digest:
    """One person's digest from the batch's ``sources``: no queries. Each section builder gives
    its section (or sections) only when it has something to say."""
    sections = [
        _your_actions(window, sources),
        _your_initiatives(window, sources),
        *_team_news(window, sources),
        _waiting_for_you(window, sources),
        _across_the_portfolio(window, sources),
        _story_of_the_month(window, sources),
    ]
    return Digest([s for s in sections if s is not None])


def _your_actions(window: Window, sources: Sources) -> Section | None:
    """Their own actions: overdue, or due within seven days."""
    today = window.today
    items = []
    for a in sources.actions.get(window.user.id, []):
        assert a.due_on is not None
        if a.due_on > today + timedelta(days=7):
            continue
        url = (
            external_url("barriers.show", barrier_id=a.barrier_id)
            if a.barrier_id
            else external_url("initiatives.show", initiative_id=a.initiative_id)
        )
        kind = "action_overdue" if a.is_overdue(today) else "action_due"
        text = f"{due_text(a, today)}: your action “{a.description[:120]}”"
        items.append(Item(kind, text, url))
    return Section("Your actions", items) if items else None


def _your_initiatives(window: Window, sources: Sources) -> Section | None:
    """Their initiatives that have gone stale."""
    zone = zone_for(window.user.timezone)
    stale = [i for i in sources.stale.get(window.user.id, []) if i.update_due_at < window.until]
    if not stale:
        return None
    return Section(
        "Your initiatives",
        [
            Item(
                "initiative_stale",
                f"“{i.title}” needs a status update (due "
                f"{date_text(i.update_due_at.astimezone(zone).date())})",
                external_url("initiatives.show", initiative_id=i.id),
                i.update_due_at,
            )
            for i in stale
        ],
    )


def _team_news(window: Window, sources: Sources) -> list[Section]:
    """News from each of their teams, by someone else, newest first: a section a team, the
    teams by name."""
    user = window.user
    teams = {m.team_id: m.team for m in sources.memberships.get(user.id, [])}
    if not teams:
        return []
    events = [
        e
        for e in sources.events
        if e.team_id in teams
        and window.holds(e.at)
        and (e.actor_id is None or e.actor_id != user.id)
    ]
    by_team: dict[int, list[Item]] = {}
    for e, text in _net_moves(events):
        assert e.team_id is not None
        team = teams[e.team_id]
        by_team.setdefault(e.team_id, []).append(Item(e.verb, text, _event_url(e, team), e.at))
    return [
        Section(teams[team_id].name, items, team_id)
        for team_id, items in sorted(by_team.items(), key=lambda kv: teams[kv[0]].name.lower())
    ]


def _waiting_for_you(window: Window, sources: Sources) -> Section | None:
    """For leads: people who asked to join since the last digest."""
    memberships = sources.memberships.get(window.user.id, [])
    lead_team_ids = {m.team_id for m in memberships if m.role == MemberRole.LEAD.value}
    requests = [
        r for r in sources.requests if r.team_id in lead_team_ids and window.holds(r.requested_at)
    ]
    if not requests:
        return None
    return Section(
        "Waiting for you",
        [
            Item(
                "join_request",
                f"{r.user.name} asks to join {r.team.name}",
                external_url("teams.show", slug=r.team.slug),
                r.requested_at,
            )
            for r in requests
        ],
    )


def _across_the_portfolio(window: Window, sources: Sources) -> Section | None:
    """For leadership: new proposals, and initiatives that went off track or stale."""
    if not window.user.is_leadership:
        return None
    portfolio: list[Item] = [
        Item(
            "proposal",
            f"Team proposal waiting: {t.name}",
            external_url("teams.show", slug=t.slug),
            t.proposed_at,
        )
        for t in sources.proposals
        if window.holds(t.proposed_at)
    ]
    portfolio += [
        Item(
            "off_track",
            f"“{e.data.get('title', '')}” went off track",
            external_url("initiatives.show", initiative_id=e.subject_id),
            e.at,
        )
        for e in sources.updates
        if window.holds(e.at)
        and (e.data or {}).get("health") == "off_track"
        and (e.data or {}).get("previous_health") != "off_track"
    ]
    portfolio += [
        Item(
            "stale",
            f"“{i.title}” ({i.team.name}) went stale: no update for "
            f"{i.team.update_interval_days} days",
            external_url("initiatives.show", initiative_id=i.id),
            i.update_due_at,
        )
        for i in sources.went_stale
        if window.holds(i.update_due_at)
    ]
    if not portfolio:
        return None
    portfolio.sort(key=lambda item: item.at or window.until, reverse=True)
    return Section("Across the portfolio", portfolio)


def _story_of_the_month(window: Window, sources: Sources) -> Section | None:
    """For everyone: a story picked as the Impact Story of the Month in the window."""
    featured = next(((s, at) for s, at in sources.featured if window.holds(at)), None)
    if featured is None:
        return None
    story, at = featured
    month = month_text(story.featured_month or "")
    text = f"“{story.title}” is the Impact Story of the Month for {month}"
    url = external_url("stories.show", story_id=story.id)
    return Section("Impact Story of the Month", [Item("featured_story", text, url, at)])
