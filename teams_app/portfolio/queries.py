"""The leadership portfolio: every figure computed in SQL with a fixed number of queries,
whatever the number of initiatives, barriers or teams."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, literal_column, or_, select, true, union_all
from sqlalchemy.orm import aliased, joinedload

from teams_app.activity import Verb
from teams_app.extensions import db
from teams_app.models import (
    Activity,
    Barrier,
    BarrierStatus,
    Initiative,
    Stage,
    StageChange,
    StageKind,
    Team,
    TeamStatus,
    User,
    utcnow,
)
from teams_app.models import User as Owner

STUCK_DAYS = 60  # longer than this in one stage
OLD_BARRIER_DAYS = 30  # a critical or high barrier open longer than this
WIDELY_FELT = 3  # an open barrier with this many "me too" supports needs attention
WAITING_PROPOSAL_DAYS = 14
ATTENTION_LIMIT = 100

# How bad each reason is: the attention list is sorted by the sum, worst first.
WEIGHTS = {
    "off_track": 8,
    "old_barrier": 5,
    "widely_felt": 4,
    "at_risk": 4,
    "stale": 3,
    "past_target": 3,
    "stuck": 2,
    "waiting_proposal": 1,
}
REASON_TEXT = {
    "off_track": "off track",
    "at_risk": "at risk",
    "stale": "no update within the team's interval",
    "past_target": "past its target date",
    "stuck": f"more than {STUCK_DAYS} days in one stage",
    "old_barrier": f"critical or high, open more than {OLD_BARRIER_DAYS} days",
    "widely_felt": f"{WIDELY_FELT} or more colleagues said “me too”",
    "waiting_proposal": f"proposal waiting more than {WAITING_PROPOSAL_DAYS} days",
}


@dataclass
class PortfolioFilter:
    team_id: int | None = None
    sponsor_id: int | None = None
    stage_id: int | None = None
    health: str | None = None
    department_id: int | None = None  # the owner's department
    target_from: date | None = None
    target_to: date | None = None

    def as_args(self, *without: str) -> dict[str, Any]:
        """The filter as query arguments, less ``without`` (a link whose route already takes
        one of them, such as a team's cards taking ``team_id``, must not pass it twice)."""
        return {
            f.name: (v.isoformat() if isinstance(v, date) else v)
            for f in fields(self)
            if f.name not in without and (v := getattr(self, f.name)) not in (None, "")
        }

    @property
    def active(self) -> bool:
        return bool(self.as_args())


def _initiative_conditions(f: PortfolioFilter) -> list[Any]:
    """WHERE clauses on Initiative (joined to Team and Stage) for the filter."""
    out: list[Any] = [Team.status != TeamStatus.DECLINED.value]
    if f.team_id:
        out.append(Initiative.team_id == f.team_id)
    if f.sponsor_id:
        out.append(Team.sponsor_id == f.sponsor_id)
    if f.stage_id:
        out.append(Initiative.stage_id == f.stage_id)
    if f.health:
        out.append(Initiative.health == f.health)
    if f.department_id:
        out.append(
            Initiative.owner_id.in_(select(User.id).where(User.department_id == f.department_id))
        )
    if f.target_from:
        out.append(Initiative.target_date >= f.target_from)
    if f.target_to:
        out.append(Initiative.target_date <= f.target_to)
    return out


def _barrier_conditions(f: PortfolioFilter) -> list[Any]:
    """The filters that apply to barriers: team (or the sponsor's teams) and department."""
    out: list[Any] = []
    if f.team_id:
        out.append(Barrier.team_id == f.team_id)
    if f.sponsor_id:
        out.append(Barrier.team_id.in_(select(Team.id).where(Team.sponsor_id == f.sponsor_id)))
    if f.department_id:
        out.append(Barrier.department_id == f.department_id)
    return out


def _initiatives() -> Any:
    return (
        select(Initiative)
        .join(Team, Team.id == Initiative.team_id)
        .join(Stage, Stage.id == Initiative.stage_id)
    )


@dataclass
class Cell:
    stage_id: int
    stage: str
    health: str
    count: int


@dataclass
class Overview:
    stages: list[Stage]
    matrix: list[Cell]
    by_team: list[tuple[int, str, int]]
    by_sponsor: list[tuple[int | None, str, int]]
    teams: dict[str, int]
    barriers: dict[str, int]
    open_total: int = 0
    cells: dict[tuple[int, str], int] = field(default_factory=dict)


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def overview_counts(f: PortfolioFilter, now: datetime | None = None) -> dict[str, Any]:
    """The overview's figures as JSON values (so they can be cached): three queries, one
    GROUP BY for the matrix, one for the teams (the sponsors' totals are summed from it) and
    one row of team and barrier counts."""
    now = now or utcnow()
    where = _initiative_conditions(f)
    open_stage = Stage.kind == StageKind.OPEN.value
    matrix = db.session.execute(
        select(Initiative.stage_id, Initiative.health, func.count())
        .select_from(Initiative)
        .join(Team, Team.id == Initiative.team_id)
        .join(Stage, Stage.id == Initiative.stage_id)
        .where(open_stage, *where)
        .group_by(Initiative.stage_id, Initiative.health)
        .order_by(Initiative.stage_id, Initiative.health)
    ).all()
    sponsor = aliased(User)
    team_rows = db.session.execute(
        select(Team.id, Team.name, Team.sponsor_id, sponsor.name, func.count(Initiative.id))
        .select_from(Initiative)
        .join(Team, Team.id == Initiative.team_id)
        .join(Stage, Stage.id == Initiative.stage_id)
        .outerjoin(sponsor, sponsor.id == Team.sponsor_id)
        .where(open_stage, *where)
        .group_by(Team.id, Team.name, Team.sponsor_id, sponsor.name)
        .order_by(func.count(Initiative.id).desc(), Team.name, Team.id)
    ).all()
    sponsors: dict[int | None, list[Any]] = {}
    for _, _, sponsor_id, sponsor_name, n in team_rows:
        entry = sponsors.setdefault(sponsor_id, [sponsor_id, sponsor_name or "No sponsor", 0])
        entry[2] += n
    since_quarter = datetime.combine(quarter_start(now.date()), datetime.min.time(), now.tzinfo)
    statuses = ("proposed", "active", "closed", "declined")
    team_counts = select(
        *(func.count().filter(Team.status == s).label(s) for s in statuses)
    ).subquery()
    barrier_counts = (
        select(
            func.count().filter(Barrier.status.not_in(BarrierStatus.closed())).label("open"),
            func.count()
            .filter(
                and_(
                    Barrier.status == BarrierStatus.REMOVED.value,
                    Barrier.resolved_at >= since_quarter,
                )
            )
            .label("removed"),
        )
        .select_from(Barrier)
        .where(*_barrier_conditions(f))
        .subquery()
    )
    # Two one-row subqueries side by side: one round trip.
    both = team_counts.join(barrier_counts, true())
    counts = db.session.execute(select(team_counts, barrier_counts).select_from(both)).one()
    return {
        "matrix": [[stage_id, health, n] for stage_id, health, n in matrix],
        "by_team": [[team_id, name, n] for team_id, name, _, _, n in team_rows],
        "by_sponsor": sorted(sponsors.values(), key=lambda e: (-e[2], e[1], e[0] or 0)),
        "teams": {s: int(getattr(counts, s) or 0) for s in statuses},
        "barriers": {
            "open": int(counts.open or 0),
            "removed_this_quarter": int(counts.removed or 0),
        },
    }


def overview(
    f: PortfolioFilter,
    now: datetime | None = None,
    stages: list[Stage] | None = None,
    counts: dict[str, Any] | None = None,
) -> Overview:
    """Matrix, totals and counts, from ``counts`` (``overview_counts``) when given."""
    if stages is None:
        stages = list(db.session.scalars(select(Stage).order_by(Stage.position, Stage.id)))
    if counts is None:
        counts = overview_counts(f, now)
    names = {s.id: s.name for s in stages}
    matrix = [Cell(stage_id, names.get(stage_id, "?"), h, n) for stage_id, h, n in counts["matrix"]]
    result = Overview(
        stages=[s for s in stages if s.kind == StageKind.OPEN.value],
        matrix=matrix,
        by_team=[(i, name, n) for i, name, n in counts["by_team"]],
        by_sponsor=[(i, name, n) for i, name, n in counts["by_sponsor"]],
        teams=dict(counts["teams"]),
        barriers=dict(counts["barriers"]),
    )
    result.cells = {(c.stage_id, c.health): c.count for c in matrix}
    result.open_total = sum(c.count for c in matrix)
    return result


@dataclass
class AttentionItem:
    kind: str  # initiative, barrier, team
    id: int
    title: str
    reasons: list[str]
    url_endpoint: str
    url_values: dict[str, Any]
    context: str = ""
    score: int = 0
    since: datetime | None = None

    @property
    def reason_texts(self) -> list[str]:
        return [REASON_TEXT[r] for r in self.reasons]


def _initiative_reasons(i: Initiative, now: datetime, stuck_since: datetime) -> list[str]:
    """Why an open initiative needs attention: its health, staleness, a passed target, stuck."""
    reasons = []
    if i.health in ("off_track", "at_risk"):
        reasons.append(i.health)
    if i.is_stale(now):
        reasons.append("stale")
    if i.target_date is not None and i.target_date < now.date():
        reasons.append("past_target")
    if i.stage_entered_at < stuck_since:
        reasons.append("stuck")
    return reasons


def _initiatives_needing_attention(f: PortfolioFilter, now: datetime) -> list[AttentionItem]:
    """Open initiatives off or at risk, stale, past their target or stuck in a stage: one query."""
    stuck_since = now - timedelta(days=STUCK_DAYS)
    stale = Initiative.stale_at(now)
    late = and_(Initiative.target_date.is_not(None), Initiative.target_date < now.date())
    stuck = Initiative.stage_entered_at < stuck_since
    rows = db.session.scalars(
        _initiatives()
        .options(joinedload(Initiative.team), joinedload(Initiative.stage))
        .where(
            Stage.kind == StageKind.OPEN.value,
            *_initiative_conditions(f),
            or_(Initiative.health != "on_track", stale, late, stuck),
        )
        .order_by(Initiative.id)
        .limit(ATTENTION_LIMIT * 2)
    ).unique()
    return [
        AttentionItem(
            "initiative",
            i.id,
            i.title,
            _initiative_reasons(i, now, stuck_since),
            "initiatives.show",
            {"initiative_id": i.id},
            f"{i.team.name} · {i.stage.name}",
            since=i.stage_entered_at,
        )
        for i in rows
    ]


def _barrier_item(b: Barrier, now: datetime) -> AttentionItem:
    """An open barrier as an attention item: old and severe, or widely felt."""
    is_old = b.severity in ("critical", "high") and b.reported_at < now - timedelta(
        days=OLD_BARRIER_DAYS
    )
    felt = b.support_count >= WIDELY_FELT
    support = f" · {b.support_count} “me too”" if b.support_count else ""
    return AttentionItem(
        "barrier",
        b.id,
        b.title,
        (["old_barrier"] if is_old else []) + (["widely_felt"] if felt else []),
        "barriers.show",
        {"barrier_id": b.id},
        f"{b.severity} · open {(now - b.reported_at).days} days{support}",
        # critical above high; more support above less
        score=b.severity_rank - 3 + min(b.support_count, 20) // 5,
        since=b.reported_at,
    )


def _barriers_needing_attention(f: PortfolioFilter, now: datetime) -> list[AttentionItem]:
    """Open barriers that are old and critical or high, or widely felt: one query."""
    old = and_(
        Barrier.severity.in_(("critical", "high")),
        Barrier.reported_at < now - timedelta(days=OLD_BARRIER_DAYS),
    )
    barrier_where = [
        Barrier.status.not_in(BarrierStatus.closed()),
        or_(old, Barrier.support_count >= WIDELY_FELT),
    ]
    barrier_where += _barrier_conditions(f)
    return [
        _barrier_item(b, now)
        for b in db.session.scalars(
            select(Barrier)
            .where(*barrier_where)
            .order_by(Barrier.severity_rank.desc(), Barrier.reported_at)
            .limit(ATTENTION_LIMIT)
        )
    ]


def _proposals_waiting(now: datetime) -> list[AttentionItem]:
    """Team proposals waiting longer than ``WAITING_PROPOSAL_DAYS`` for review: one query."""
    return [
        AttentionItem(
            "team",
            t.id,
            t.name,
            ["waiting_proposal"],
            "teams.show",
            {"slug": t.slug},
            f"proposed {(now - t.proposed_at).days} days ago",
            since=t.proposed_at,
        )
        for t in db.session.scalars(
            select(Team)
            .where(
                Team.status == TeamStatus.PROPOSED.value,
                Team.proposed_at < now - timedelta(days=WAITING_PROPOSAL_DAYS),
            )
            .order_by(Team.proposed_at)
            .limit(ATTENTION_LIMIT)
        )
    ]


def attention(f: PortfolioFilter, now: datetime | None = None) -> list[AttentionItem]:
    """Everything that needs leadership's eye, worst first: three queries. Initiative-only
    filters leave barriers and proposals out; team filters leave proposals out."""
    now = now or utcnow()
    items = _initiatives_needing_attention(f, now)
    if not (f.stage_id or f.health or f.target_from or f.target_to):
        items += _barriers_needing_attention(f, now)
        if not (f.team_id or f.sponsor_id or f.department_id):
            items += _proposals_waiting(now)
    for item in items:
        item.score += sum(WEIGHTS[r] for r in item.reasons)
    oldest = now
    items.sort(key=lambda it: (-it.score, it.since or oldest, it.id))
    return items[:ATTENTION_LIMIT]


def sponsors() -> list[User]:
    """People who sponsor at least one team, for the sponsor filter."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(select(Team.sponsor_id).where(Team.sponsor_id.is_not(None))))
            .order_by(User.name)
        )
    )


def _month(column: Any) -> Any:
    """'YYYY-MM' of a timestamp column, in SQL, on SQLite and PostgreSQL alike."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _months(now: datetime, count: int) -> list[str]:
    year, month = now.year, now.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(out))


@dataclass
class Trends:
    months: list[str]
    completed: list[int]
    reported: list[int]
    removed: list[int]


def trends(f: PortfolioFilter, now: datetime | None = None, months: int = 12) -> Trends:
    """Monthly series for the last ``months`` months: three GROUP BYs in one UNION ALL."""
    now = now or utcnow()
    labels = _months(now, months)
    start = datetime(int(labels[0][:4]), int(labels[0][5:]), 1, tzinfo=now.tzinfo)
    done_month = _month(Initiative.completed_at)
    reported_month = _month(Barrier.reported_at)
    removed_month = _month(Barrier.resolved_at)
    rows = db.session.execute(
        union_all(
            select(literal_column("'completed'"), done_month, func.count())
            .select_from(Initiative)
            .join(Team, Team.id == Initiative.team_id)
            .join(Stage, Stage.id == Initiative.stage_id)
            .where(Initiative.completed_at >= start, *_initiative_conditions(f))
            .group_by(done_month),
            select(literal_column("'reported'"), reported_month, func.count())
            .select_from(Barrier)
            .where(Barrier.reported_at >= start, *_barrier_conditions(f))
            .group_by(reported_month),
            select(literal_column("'removed'"), removed_month, func.count())
            .select_from(Barrier)
            .where(
                Barrier.status == BarrierStatus.REMOVED.value,
                Barrier.resolved_at >= start,
                *_barrier_conditions(f),
            )
            .group_by(removed_month),
        )
    ).all()
    found: dict[str, dict[str, int]] = {"completed": {}, "reported": {}, "removed": {}}
    for name, month, n in rows:
        found[name][month] = int(n)

    def series(name: str) -> list[int]:
        return [found[name].get(m, 0) for m in labels]

    return Trends(labels, series("completed"), series("reported"), series("removed"))


# --- Time in stage ------------------------------------------------------------------------------


def _days_between(start: Any, end: Any) -> Any:
    """Days from ``start`` to ``end`` as a float, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def median_days_in_stage(f: PortfolioFilter, now: datetime | None = None) -> dict[int, float]:
    """Median days initiatives spend in each stage (a visit still going counts up to now), by
    window functions: LEAD for each visit's end, ROW_NUMBER and COUNT to find the middle."""

    now = now or utcnow()
    following = (
        func.lead(StageChange.at)
        .over(partition_by=StageChange.initiative_id, order_by=(StageChange.at, StageChange.id))
        .label("ended")
    )
    visits = (
        select(
            StageChange.to_stage_id.label("stage_id"),
            StageChange.at.label("started"),
            following,
        )
        .join(Initiative, Initiative.id == StageChange.initiative_id)
        .join(Team, Team.id == Initiative.team_id)
        .join(Stage, Stage.id == Initiative.stage_id)
        .where(*_initiative_conditions(f))
        .subquery()
    )
    days = _days_between(visits.c.started, func.coalesce(visits.c.ended, literal(now))).label(
        "days"
    )
    ranked = select(
        visits.c.stage_id,
        days,
        func.row_number().over(partition_by=visits.c.stage_id, order_by=days).label("rn"),
        func.count().over(partition_by=visits.c.stage_id).label("n"),
    ).subquery()
    middle = or_(ranked.c.rn == (ranked.c.n + 1) / 2, ranked.c.rn == (ranked.c.n + 2) / 2)
    rows = db.session.execute(
        select(ranked.c.stage_id, func.avg(ranked.c.days)).where(middle).group_by(ranked.c.stage_id)
    ).all()
    return {stage_id: round(float(value), 1) for stage_id, value in rows if value is not None}


# --- What changed -------------------------------------------------------------------------------

CHANGE_VERBS = frozenset(
    {
        Verb.MOVED_INITIATIVE,
        Verb.POSTED_UPDATE,
        Verb.RESOLVED_BARRIER,
        Verb.REOPENED_BARRIER,
        Verb.COMMENTED,
        Verb.SUPPORTED_BARRIER,
    }
)


def changes(
    f: PortfolioFilter, days: int, now: datetime | None = None, limit: int = 200
) -> list[Activity]:
    """Stage moves, health changes and barrier resolutions in the last ``days`` days, newest
    first: one bounded query; updates that kept the same health are then dropped."""

    now = now or utcnow()
    stmt = (
        select(Activity)
        .options(joinedload(Activity.actor))
        .where(Activity.verb.in_(CHANGE_VERBS), Activity.at >= now - timedelta(days=days))
        .order_by(Activity.at.desc(), Activity.id.desc())
        .limit(limit)
    )
    team_ids = None
    if f.team_id or f.sponsor_id:
        team_ids = select(Team.id)
        if f.team_id:
            team_ids = team_ids.where(Team.id == f.team_id)
        if f.sponsor_id:
            team_ids = team_ids.where(Team.sponsor_id == f.sponsor_id)
        stmt = stmt.where(Activity.team_id.in_(team_ids))
    events = list(db.session.scalars(stmt))
    return [
        e
        for e in events
        if e.verb != Verb.POSTED_UPDATE
        or (e.data or {}).get("previous_health") not in (None, (e.data or {}).get("health"))
    ]


# --- The board and the report -------------------------------------------------------------------


def initiatives_for(f: PortfolioFilter, limit: int = 5000) -> list[Initiative]:
    """Initiatives matching the filter with what a card or a report line shows (the team, the
    stage and the owner's name), ordered by team and stage (one query)."""

    return list(
        db.session.scalars(
            _initiatives()
            .options(
                joinedload(Initiative.team),
                joinedload(Initiative.stage),
                joinedload(Initiative.owner).load_only(Owner.id, Owner.name),
            )
            .where(*_initiative_conditions(f))
            .order_by(Team.name, Stage.position, Initiative.title, Initiative.id)
            .limit(limit)
        ).unique()
    )


def count_initiatives(f: PortfolioFilter) -> int:
    """How many initiatives match the filter (one query)."""
    stmt = (
        select(func.count())
        .select_from(Initiative)
        .join(Team, Team.id == Initiative.team_id)
        .join(Stage, Stage.id == Initiative.stage_id)
        .where(*_initiative_conditions(f))
    )
    return int(db.session.scalar(stmt) or 0)
