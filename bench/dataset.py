"""A large library system's data for the benchmarks, reproducible from a seed and built in bulk.

At ``scale=1.0``: 5,000 staff, 500 teams, 5,000 initiatives with 20,000 stage changes and 17,000
status updates, 20,000 barriers with 40,000 actions, 5,000 stories with 25,000 cheers, 36 months
of satisfaction results, 20,000 comments (500 of them on the initiative the benchmark opens) with
their mentions, about 20,000 "me too" supports, 15,000 follows, 20,000 notifications plus the
benchmark leader's 10,000, and 200,000 activity events. Counts scale with ``scale``; what one team,
initiative or story holds does not (a tenth of the data is a tenth of the teams, each as big), so
comparing the two sizes shows what grows with the library rather than with one page's content.

Rows are written with explicit ids: COPY on PostgreSQL, ``executemany`` elsewhere.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, text

from teams_app.extensions import db
from teams_app.models import (
    Action,
    Activity,
    Barrier,
    BarrierSupport,
    Cheer,
    Comment,
    CommentMention,
    Department,
    Follow,
    ImpactStory,
    Initiative,
    Membership,
    Notification,
    SatisfactionResult,
    SearchDocument,
    Stage,
    StageChange,
    StatusUpdate,
    Team,
    User,
)
from teams_app.search import index as search_index
from teams_app.security import hash_password

PASSWORD = "bench passphrase 1"
LEADER_EMAIL = "leader@library.example"

FIRST = "Ana Ben Cal Dee Eli Fay Gus Hana Ivo Jade Kai Lena Milo Nora Omar Pia Quinn Rosa Sam Tia"
LAST = "Okafor Shah Kim Lee Chen Ali Brooks Bello Clark Diaz Evans Foster Gomez Hall Ito Jones"
PLACES = "Norman Moore Noble Purcell Shawnee Tecumseh Blanchard Lexington Newcastle Slaughterville"
TOPICS = [
    "holds shelf",
    "printer queue",
    "card renewal",
    "self-checkout",
    "wifi sign-in",
    "returns chute",
    "meeting rooms",
    "parking",
    "signage",
    "fines",
    "lockers",
    "homework help",
    "storytime",
    "e-book loans",
    "interlibrary loan",
    "desk rota",
]
KINDS_OF_WORK = ["pilot", "guide", "fix", "review", "rollout"]
TROUBLES = [
    "is hard to find",
    "keeps failing",
    "confuses customers",
    "takes too long",
    "is missing",
]
HAPPENINGS = ["a family helped", "a queue cleared", "a lost item found", "a lesson learned"]
HEALTHS = ["on_track"] * 6 + ["at_risk"] * 3 + ["off_track"]
# Where initiatives stand (by stage name), most of them in the middle of the pipeline.
STAGE_WEIGHTS = {
    "Idea": 10,
    "Discover": 15,
    "Plan": 18,
    "Pilot": 18,
    "Roll out": 12,
    "Sustain": 8,
    "Done": 12,
    "Stopped": 7,
}
# A row to insert: column name to value.
Row = dict[str, Any]
METRICS = [("Customer satisfaction", 5), ("Staff engagement", 10)]
BIG_THREAD = 500  # comments on the initiative the benchmark opens
LEADER_NOTIFICATIONS = 10000  # in the benchmark leader's inbox
LEADER_UNREAD = 150


@dataclass
class Sizes:
    departments: int
    staff: int
    teams: int
    initiatives: int
    stage_changes: int
    status_updates: int
    barriers: int
    actions: int
    stories: int
    cheers: int
    months: int
    activities: int
    comments: int
    supports: int
    follows: int
    notifications: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(full: int, least: int = 1) -> int:
            return max(least, round(full * scale))

        return cls(
            departments=n(60, 4),
            staff=n(5000, 50),
            teams=n(500, 5),
            initiatives=n(5000, 10),
            stage_changes=n(20000, 10),
            status_updates=n(17000),
            barriers=n(20000),
            actions=n(40000),
            stories=n(5000, 36),
            cheers=n(25000),
            months=36,
            activities=n(200000),
            comments=n(20000, BIG_THREAD + 50),  # in all, the big thread's 500 included
            supports=n(20000),
            follows=n(15000),
            notifications=n(20000),
        )


@dataclass
class Dataset:
    """What was built, and the ids the benchmark visits (the biggest of each kind)."""

    scale: float
    sizes: Sizes
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    leader_email: str = LEADER_EMAIL
    password: str = PASSWORD
    big_team_slug: str = ""
    big_initiative_id: int = 0
    big_story_id: int = 0
    # A comment on an earlier page of the big initiative's thread (for the permalink).
    early_comment_id: int = 0
    # The search index, rebuilt after the bulk load (which bypasses the session that keeps it).
    index_seconds: float = 0.0
    documents: int = 0


def _names(words: str) -> list[str]:
    return words.split()


class Writer:
    """Bulk inserts of dict rows with explicit ids: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self) -> None:
        self.postgres = db.engine.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}

    def write(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if not self.postgres:
            for start in range(0, len(rows), 20000):
                db.session.execute(table.insert(), rows[start : start + 20000])
            return
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        raw: Any = db.session.connection().connection.dbapi_connection
        with raw.cursor() as cursor:
            names = ", ".join(columns)
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]
                    )

    def finish(self, tables: Iterable[Table]) -> None:
        """Move each id sequence past the ids written, and give the planner fresh statistics."""
        if not self.postgres:
            db.session.execute(text("ANALYZE"))
            return
        for table in tables:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                )
            )
        db.session.commit()
        raw: Any = db.session.connection().connection.dbapi_connection
        autocommit, raw.autocommit = raw.autocommit, True  # VACUUM runs outside transactions
        with raw.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        raw.autocommit = autocommit


class Builder:
    def __init__(self, scale: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sizes = Sizes.at(scale)
        self.scale = scale
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.date()
        self.out = Writer()
        self.stages = list(db.session.scalars(db.select(Stage).order_by(Stage.position)))
        self.stage_by_name = {s.name: s for s in self.stages}

    def ago(self, low_days: float, high_days: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low_days, high_days))

    # --- people ---------------------------------------------------------------------------

    def people(self) -> None:
        rng, s = self.rng, self.sizes
        places = _names(PLACES)
        self.departments = list(range(1, s.departments + 1))
        dept_names = {
            d: f"{places[(d - 1) % len(places)]} {(d - 1) // len(places) + 1}"
            for d in self.departments
        }
        self.out.write(
            Department.__table__,
            [
                {
                    "id": d,
                    "name": dept_names[d],
                    "name_key": dept_names[d].lower(),
                    "kind": "branch" if d % 4 else "department",
                    "created_at": self.now - timedelta(days=1100),
                }
                for d in self.departments
            ],
        )
        shared = hash_password(PASSWORD)
        first, last = _names(FIRST), _names(LAST)
        levels = ["frontline"] * 5 + ["specialist"] * 2 + ["supervisor", "manager"]
        rows: list[Row] = []
        self.leaders: list[int] = []
        self.names: dict[int, str] = {}
        for u in range(1, s.staff + 1):
            # The first is the benchmark's leadership account; 1 in 100 lead, 2 administer.
            role = "leadership" if u == 1 or u % 100 == 0 else ("admin" if u in (2, 3) else "staff")
            if role != "staff":
                self.leaders.append(u)
            name = f"{rng.choice(first)} {rng.choice(last)}"
            self.names[u] = name
            email = (
                LEADER_EMAIL if u == 1 else f"{name.replace(' ', '.').lower()}{u}@library.example"
            )
            rows.append(
                {
                    "id": u,
                    "email": email,
                    "name": name,
                    "password_hash": shared,
                    "role": role,
                    "level": "executive" if role != "staff" else rng.choice(levels),
                    "department_id": rng.choice(self.departments),
                    "active": u % 97 != 0,
                    "timezone": "UTC",
                    "digest_frequency": rng.choice(["weekly"] * 8 + ["daily", "off"]),
                    "digest_weekday": 0,
                    "digest_hour": 8,
                    "session_version": 1,
                    "invited_at": None,
                    "invited_by_id": None,
                    "created_at": self.ago(400, 1100),
                    "last_seen_at": self.ago(0, 30),
                }
            )
        self.out.write(User.__table__, rows)
        self.staff: list[int] = [r["id"] for r in rows if r["active"]]

    # --- teams ----------------------------------------------------------------------------

    def teams(self) -> None:
        rng, s = self.rng, self.sizes
        rows: list[Row] = []
        members: list[Row] = []
        self.team_members: dict[int, list[int]] = {}
        self.team_status: dict[int, str] = {}
        self.team_interval: dict[int, int] = {}
        for t in range(1, s.teams + 1):
            status = rng.choices(["active", "proposed", "closed", "declined"], [80, 8, 6, 6])[0]
            proposed = self.ago(60, 1000)
            chartered = proposed + timedelta(days=rng.randint(3, 20))
            topic = rng.choice(TOPICS)
            name = f"{topic.capitalize()} team {t}"
            interval = rng.choice([7, 14, 14, 14, 30])
            self.team_status[t] = status
            self.team_interval[t] = interval
            sponsor = rng.choice(self.leaders) if status in ("active", "closed") else None
            rows.append(
                {
                    "id": t,
                    "name": name,
                    "name_key": name.lower(),
                    "slug": f"{topic.replace(' ', '-')}-team-{t}",
                    "problem": f"Customers struggle with the {topic} at busy times.",
                    "goal": f"Make the {topic} simple for everyone by next year.",
                    "scope": "All branches.",
                    "status": status,
                    "open_to_join": rng.random() < 0.7,
                    "max_members": None if rng.random() < 0.8 else 20,
                    "update_interval_days": interval,
                    "proposed_by_id": rng.choice(self.staff),
                    "sponsor_id": sponsor,
                    "charter_note": "Go for it; report back monthly." if sponsor else None,
                    "decline_reason": "Covered by another team." if status == "declined" else None,
                    "closing_summary": "Done what we set out to do."
                    if status == "closed"
                    else None,
                    "proposed_at": proposed,
                    "chartered_at": chartered if sponsor else None,
                    "declined_at": chartered if status == "declined" else None,
                    "closed_at": self.ago(5, 50) if status == "closed" else None,
                    "updated_at": chartered,
                    "version": 1,
                }
            )
            size = min(len(self.staff), rng.randint(3, 14) if status != "declined" else 1)
            people = rng.sample(self.staff, size)
            self.team_members[t] = people
            for k, user in enumerate(people):
                state = "active" if k < size - 1 or rng.random() < 0.7 else "requested"
                members.append(
                    {
                        "team_id": t,
                        "user_id": user,
                        "role": "lead" if k < (2 if size > 8 else 1) else "member",
                        "state": state,
                        "message": "I would like to help." if state == "requested" else None,
                        "requested_at": proposed,
                        "joined_at": chartered if state == "active" else None,
                        "ended_at": None,
                        "decided_by_id": None,
                    }
                )
        self.out.write(Team.__table__, rows)
        for i, m in enumerate(members, start=1):
            m["id"] = i
        self.out.write(Membership.__table__, members)
        # The benchmark's leader belongs to a few teams and leads one.
        self.working = [t for t, st in self.team_status.items() if st in ("active", "closed")]

    # --- initiatives ----------------------------------------------------------------------

    def _path(self, final: Stage, length: int) -> list[Stage]:
        """Stage history ending in ``final``: forward from Idea, with a step back now and then."""
        opens = [st for st in self.stages if st.kind == "open"]
        if final.kind == "open":
            natural = [st for st in opens if st.position <= final.position]
        else:
            natural = opens[: self.rng.randint(2, len(opens))] + [final]
        while len(natural) > length and len(natural) > 1:
            natural.pop(self.rng.randrange(1, len(natural) - 1) if len(natural) > 2 else 0)
        if len(natural) == 1 and length > 1:
            natural = [final, opens[1] if final is opens[0] else opens[0], final]
        while len(natural) < length:
            j = self.rng.randrange(1, len(natural))
            natural[j + 1 : j + 1] = [natural[j - 1], natural[j]]
        return natural[-length:]

    def initiatives(self) -> None:
        rng, s = self.rng, self.sizes
        # A few teams carry most of the work, as in real life (some much bigger than others).
        weights = [1 / (k % 40 + 3) for k in range(len(self.working))]
        teams = rng.choices(self.working, weights, k=s.initiatives)
        finals = rng.choices(
            [self.stage_by_name[n] for n in STAGE_WEIGHTS],
            list(STAGE_WEIGHTS.values()),
            k=s.initiatives,
        )
        # Stage changes per initiative: at least one each, the rest spread at random.
        lengths = [1] * s.initiatives
        for i in rng.choices(range(s.initiatives), k=max(0, s.stage_changes - s.initiatives)):
            lengths[i] += 1
        updates_of = [0] * s.initiatives
        for i in rng.choices(range(s.initiatives), k=s.status_updates):
            updates_of[i] += 1
        rows: list[Row] = []
        changes: list[Row] = []
        updates: list[Row] = []
        self.initiative_team: dict[int, int] = {}
        self.initiative_title: dict[int, str] = {}
        for i in range(s.initiatives):
            iid = i + 1
            team = teams[i]
            final = finals[i]
            path = self._path(final, lengths[i])
            created = self.ago(20, 900)
            span = (self.now - timedelta(days=rng.uniform(0, 10))) - created
            times = sorted(created + span * rng.random() for _ in path)
            times[0] = created
            prev: Stage | None = None
            for stage, at in zip(path, times, strict=True):
                changes.append(
                    {
                        "initiative_id": iid,
                        "from_stage_id": prev.id if prev else None,
                        "to_stage_id": stage.id,
                        "by_id": rng.choice(self.team_members[team]),
                        "at": at,
                        "note": None
                        if prev is None or stage.position > prev.position
                        else "Not ready: back a step.",
                    }
                )
                prev = stage
            stamps = sorted(
                created + (self.now - created) * rng.random() for _ in range(updates_of[i])
            )
            if stamps and rng.random() < 0.7:  # most teams post on time: about a third are stale
                recent = self.now - timedelta(days=rng.uniform(0, self.team_interval[team]))
                stamps[-1] = max(recent, stamps[-2] if len(stamps) > 1 else created)
            health = "on_track"
            for at in stamps:
                before, health = health, rng.choice(HEALTHS)
                updates.append(
                    {
                        "initiative_id": iid,
                        "author_id": rng.choice(self.team_members[team]),
                        "health": health,
                        "body": f"Week {at.isocalendar().week}: **{rng.choice(TOPICS)}** "
                        "work moved on; next step agreed with the branch.",
                        "stage_id": final.id,
                        "previous_health": before,
                        "previous_stage_id": final.id,
                        "created_at": at,
                    }
                )
            title = f"{rng.choice(TOPICS).capitalize()} {rng.choice(KINDS_OF_WORK)} {iid}"
            self.initiative_team[iid] = team
            self.initiative_title[iid] = title
            last = stamps[-1] if stamps else None
            target = self.today + timedelta(days=rng.randint(-90, 300))
            rows.append(
                {
                    "id": iid,
                    "team_id": team,
                    "title": title,
                    "summary": f"What we are trying on the {rng.choice(TOPICS)}.",
                    "owner_id": rng.choice(self.team_members[team]),
                    "stage_id": final.id,
                    "stage_entered_at": times[-1],
                    "health": health,
                    "target_date": target if rng.random() < 0.8 else None,
                    "last_update_at": last,
                    "update_due_at": (last or created) + timedelta(days=self.team_interval[team]),
                    "completed_at": times[-1] if final.kind == "done" else None,
                    "created_by_id": self.team_members[team][0],
                    "created_at": created,
                    "version": 1,
                }
            )
        self.out.write(Initiative.__table__, rows)
        for k, row in enumerate(changes, start=1):
            row["id"] = k
        for k, row in enumerate(updates, start=1):
            row["id"] = k
        self.out.write(StageChange.__table__, changes)
        self.out.write(StatusUpdate.__table__, updates)
        self.stage_changes, self.status_updates = changes, updates
        self.lengths, self.updates_of = lengths, updates_of

    # --- barriers and actions -------------------------------------------------------------

    def barriers(self) -> None:
        rng, s = self.rng, self.sizes
        severities = ["low", "medium", "high", "critical"]
        categories = [
            "policy",
            "process",
            "technology",
            "communication",
            "staffing",
            "facilities",
            "other",
        ]
        on_barriers = s.actions - s.actions // 10
        actions_of = [0] * s.barriers
        for b in rng.choices(
            range(s.barriers), [1 / (k % 50 + 1) for k in range(s.barriers)], k=on_barriers
        ):
            actions_of[b] += 1
        rows: list[Row] = []
        actions: list[Row] = []
        self.barrier_team: dict[int, int | None] = {}
        self.barrier_title: dict[int, str] = {}
        mine = min(1.0, 40 / s.actions)  # the leader owns about 40 actions at any scale

        def action(
            barrier: int | None, initiative: int | None, status: str, at: datetime, team: int | None
        ) -> dict[str, Any]:
            owners = self.team_members.get(team or 0) or self.staff
            done = status in ("done", "dropped")
            return {
                "barrier_id": barrier,
                "initiative_id": initiative,
                "description": f"{rng.choice(['Ask', 'Fix', 'Check', 'Write up', 'Order'])} the "
                f"{rng.choice(TOPICS)} {rng.choice(['notes', 'steps', 'parts', 'sign', 'rota'])}",
                "owner_id": 1 if rng.random() < mine else rng.choice(owners),
                "due_on": (self.today + timedelta(days=rng.randint(-60, 90)))
                if rng.random() < 0.85
                else None,
                "status": status,
                "outcome": "Done as planned." if status == "done" else None,
                "done_at": at + timedelta(days=rng.randint(1, 30)) if done else None,
                "created_by_id": rng.choice(owners),
                "created_at": at,
                "updated_at": at,
                "version": 1,
            }

        for b in range(s.barriers):
            bid = b + 1
            severity = rng.choices(severities, [3, 4, 2, 1])[0]
            closed = rng.random() < 0.4
            running = not closed and actions_of[b] > 0 and rng.random() < 0.75
            status = (
                rng.choice(["removed", "removed", "accepted"])
                if closed
                else ("addressing" if running else "open")
            )
            initiative = rng.randint(1, s.initiatives) if rng.random() < 0.25 else None
            team = (
                self.initiative_team[initiative]
                if initiative
                else (rng.choice(self.working) if rng.random() < 0.3 else None)
            )
            reported = self.ago(1, 1000)
            place = rng.choice(_names(PLACES))
            title = f"{rng.choice(TOPICS).capitalize()} {rng.choice(TROUBLES)} at {place} ({bid})"
            self.barrier_team[bid] = team
            self.barrier_title[bid] = title
            rows.append(
                {
                    "id": bid,
                    "title": title,
                    "description": "Seen at the desk several times a week.",
                    "category": rng.choice(categories),
                    "affects": rng.choice(["customers", "customers", "staff", "internal"]),
                    "severity": severity,
                    "severity_rank": severities.index(severity) + 1,
                    "source": rng.choice(["survey", "staff", "staff", "customer", "story"]),
                    "status": status,
                    "reported_by_id": rng.choice(self.staff),
                    "team_id": team,
                    "initiative_id": initiative,
                    "department_id": rng.choice(self.departments) if rng.random() < 0.8 else None,
                    "reported_at": reported,
                    "resolved_at": reported + timedelta(days=rng.randint(2, 90))
                    if closed
                    else None,
                    "resolved_by_id": rng.choice(self.leaders) if closed else None,
                    "resolution": "Fixed with the branch." if closed else None,
                    "updated_at": reported,
                    "version": 1,
                }
            )
            for k in range(actions_of[b]):
                if closed:
                    st = rng.choice(["done", "done", "dropped"])
                elif running and k == 0:
                    st = rng.choice(["planned", "doing"])
                elif running:
                    st = rng.choice(["planned", "doing", "done"])
                else:
                    st = rng.choice(["done", "dropped"])
                at = reported + timedelta(days=rng.randint(0, 20))
                actions.append(action(bid, initiative, st, at, team))
        for _ in range(s.actions - on_barriers):
            initiative = rng.randint(1, s.initiatives)
            actions.append(
                action(
                    None,
                    initiative,
                    rng.choice(["planned", "doing", "done", "dropped"]),
                    self.ago(1, 600),
                    self.initiative_team[initiative],
                )
            )
        for k, row in enumerate(actions, start=1):
            row["id"] = k
        self.out.write(Barrier.__table__, rows)
        self.out.write(Action.__table__, actions)
        self.actions = actions

    # --- stories, cheers, satisfaction ----------------------------------------------------

    def _period(self, months_back: int) -> str:
        index = self.today.year * 12 + self.today.month - 1 - months_back
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    def stories(self) -> None:
        rng, s = self.rng, self.sizes
        cheers_of = [0] * s.stories
        for k in rng.choices(
            range(s.stories), [1 / (k % 40 + 1) for k in range(s.stories)], k=s.cheers
        ):
            cheers_of[k] += 1
        featured = {k * (s.stories // s.months): k for k in range(s.months)}
        rows: list[Row] = []
        cheers: list[Row] = []
        self.story_title: dict[int, str] = {}
        for k in range(s.stories):
            sid = k + 1
            month_back = featured.get(k)
            if month_back is not None:
                period = self._period(month_back)
                occurred = date.fromisoformat(f"{period}-{rng.randint(1, 28):02d}")
            else:
                occurred = self.today - timedelta(days=rng.randint(0, 1090))
            made = datetime(occurred.year, occurred.month, occurred.day, 12, tzinfo=UTC)
            made = min(made + timedelta(days=rng.randint(0, 5)), self.now)
            kind = rng.choices(["win", "recovery", "failure"], [6, 3, 1])[0]
            title = f"{rng.choice(TOPICS).capitalize()}: {rng.choice(HAPPENINGS)} ({sid})"
            self.story_title[sid] = title
            hidden = rng.random() < 0.02
            people = rng.sample(self.staff, min(len(self.staff), cheers_of[k]))
            for user in people:
                cheers.append(
                    {"story_id": sid, "user_id": user, "created_at": made + timedelta(hours=2)}
                )
            rows.append(
                {
                    "id": sid,
                    "author_id": rng.choice(self.staff),
                    "title": title,
                    "body": "A customer came to the desk worried. We **sorted it** the same day."
                    "\n\n- What helped: the new steps\n- Next time: ask sooner",
                    "kind": kind,
                    "department_id": rng.choice(self.departments),
                    "occurred_on": occurred,
                    "initiative_id": rng.randint(1, s.initiatives) if rng.random() < 0.2 else None,
                    "barrier_id": rng.randint(1, s.barriers) if rng.random() < 0.1 else None,
                    "no_personal_details": True,
                    "featured_month": self._period(month_back) if month_back is not None else None,
                    "featured_by_id": self.leaders[0] if month_back is not None else None,
                    "hidden": hidden,
                    "hidden_reason": "Named a customer." if hidden else None,
                    "hidden_by_id": self.leaders[0] if hidden else None,
                    "hidden_at": made if hidden else None,
                    "cheer_count": len(people),
                    "created_at": made,
                    "updated_at": made,
                    "version": 1,
                }
            )
        for k, row in enumerate(cheers, start=1):
            row["id"] = k
        self.out.write(ImpactStory.__table__, rows)
        self.out.write(Cheer.__table__, cheers)
        self.cheers = cheers

    def satisfaction(self) -> None:
        rng, s = self.rng, self.sizes
        rows: list[Row] = []
        for back in range(s.months, 0, -1):
            period = self._period(back)
            trend = (s.months - back) / s.months
            made = datetime.fromisoformat(f"{period}-28T12:00:00+00:00")
            for metric, scale in METRICS:
                base = scale * (0.7 + 0.1 * trend)
                places = [None] + (self.departments if metric == METRICS[0][0] else [])
                for dept in places:
                    score = min(scale, max(0, base + rng.uniform(-0.05, 0.05) * scale))
                    rows.append(
                        {
                            "period": period,
                            "metric": metric,
                            "metric_key": metric.lower(),
                            "score": Decimal(f"{score:.2f}"),
                            "scale_max": Decimal(scale),
                            "respondents": rng.randint(40, 400)
                            if dept is None
                            else rng.randint(5, 60),
                            "department_id": dept,
                            "department_key": dept or 0,
                            "created_by_id": self.leaders[0],
                            "created_at": made,
                        }
                    )
        for k, row in enumerate(rows, start=1):
            row["id"] = k
        self.out.write(SatisfactionResult.__table__, rows)

    # --- conversations, "me too", follows, the inbox ---------------------------------------

    def _big_initiative(self) -> int:
        """The initiative with the most history: the one the benchmark opens."""
        load = [self.lengths[i] + self.updates_of[i] for i in range(len(self.lengths))]
        return max(range(len(load)), key=lambda i: load[i]) + 1

    def conversations(self) -> None:
        """A thread of 500 comments on the big initiative (replies, mentions, a hidden and a
        deleted one), the rest spread over initiatives, updates, barriers, actions, stories and
        teams in small threads; "me too" on barriers; follows; and 10,000 notifications for
        the benchmark's leader (what one thread or one inbox holds does not scale)."""
        self._comments: list[Row] = []
        self._mentions: list[Row] = []
        self._big_thread()
        self._spread_threads()
        comments, s = self._comments, self.sizes
        del comments[s.comments :]
        kept = {c["id"] for c in comments if c["deleted_at"] is None}
        mentions = [m for m in self._mentions if m["comment_id"] in kept]
        for k, m in enumerate(mentions, start=1):
            m["id"] = k
        self.out.write(Comment.__table__, comments)
        self.out.write(CommentMention.__table__, mentions)
        self.comments = comments
        self._supports()
        self._follows()
        self._inbox()

    def _comment(self, kind: str, target: int, author: int, at: datetime, **extra: Any) -> Row:
        rng, comments = self.rng, self._comments
        row: Row = {
            "id": len(comments) + 1,
            "target_kind": kind,
            "target_id": target,
            "parent_id": None,
            "author_id": author,
            "body": f"Tried this at {rng.choice(_names(PLACES))}: **{rng.choice(TOPICS)}** "
            "went better.\n\nNext: ask the desk team on Monday.",
            "nonce": None,
            "created_at": at,
            "edited_at": None,
            "deleted_at": None,
            "hidden_at": None,
            "hidden_reason": None,
            "hidden_by_id": None,
            "version": 1,
            **extra,
        }
        comments.append(row)
        return row

    def _mention(self, row: Row, person: int) -> None:
        row["body"] = f"@{self.names[person]} could you look at this? " + row["body"]
        self._mentions.append({"comment_id": row["id"], "user_id": person})

    def _big_thread(self) -> None:
        """500 comments over the last 200 days, one in six a reply, one in twelve a mention."""
        rng, big = self.rng, self._big_initiative()
        comment, mention = self._comment, self._mention
        members = self.team_members[self.initiative_team[big]]
        start = self.now - timedelta(days=200)
        tops: list[Row] = []
        for k in range(BIG_THREAD):
            at = start + timedelta(days=200 * k / BIG_THREAD)
            author = rng.choice(members if rng.random() < 0.6 else self.staff)
            if tops and rng.random() < 1 / 6:
                parent = rng.choice(tops[-20:])["id"]
                row = comment("initiatives", big, author, at, parent_id=parent)
            else:
                row = comment("initiatives", big, author, at)
                tops.append(row)
            if k % 12 == 5:
                mention(row, 1 if k % 24 == 5 else rng.choice(members))
        hidden = tops[len(tops) // 2]
        hidden.update(
            hidden_at=hidden["created_at"] + timedelta(hours=3),
            hidden_reason="Unkind about a colleague.",
            hidden_by_id=1,
        )
        tops[len(tops) // 3].update(deleted_at=tops[len(tops) // 3]["created_at"], body="")
        self.early_comment_id = int(tops[3]["id"])

    def _spread_threads(self) -> None:
        """Small threads (one to six comments, some replies) on everything else."""
        rng, s = self.rng, self.sizes
        comments, comment = self._comments, self._comment
        working_teams = [t for t in self.working if self.team_status[t] == "active"]
        pools: list[tuple[str, list[int]]] = [
            ("initiatives", list(range(1, s.initiatives + 1))),
            ("updates", [u["id"] for u in self.status_updates]),
            ("barriers", list(range(1, s.barriers + 1))),
            ("actions", [a["id"] for a in self.actions]),
            ("stories", list(range(1, s.stories + 1))),
            ("teams", working_teams or self.working),
        ]
        pools = [(kind, ids) for kind, ids in pools if ids]
        while len(comments) < s.comments:
            kind, ids = rng.choices(pools, [4, 2, 5, 2, 3, 1])[0] if len(pools) == 6 else pools[0]
            target = rng.choice(ids)
            at = self.ago(1, 600)
            first = comment(kind, target, rng.choice(self.staff), at)
            for r in range(rng.randint(0, 5)):
                at += timedelta(hours=rng.uniform(1, 48))
                reply = rng.random() < 0.3
                parent = first["id"] if reply else None
                row = comment(kind, target, rng.choice(self.staff), at, parent_id=parent)
                if r == 2 and rng.random() < 0.3:
                    self._mention(row, rng.choice(self.staff))

    def _supports(self) -> None:
        """ "Me too": most on a few widely felt barriers."""
        rng, s = self.rng, self.sizes
        pairs: set[tuple[int, int]] = set()
        weights = [1 / (k % 60 + 1) for k in range(s.barriers)]
        for b in rng.choices(range(1, s.barriers + 1), weights, k=s.supports):
            pairs.add((b, rng.choice(self.staff)))
        supports = [
            {
                "id": k,
                "barrier_id": b,
                "user_id": u,
                "comment_id": None,
                "created_at": self.ago(0, 300),
            }
            for k, (b, u) in enumerate(sorted(pairs), start=1)
        ]
        self.out.write(BarrierSupport.__table__, supports)

    def _follows(self) -> None:
        """Staff keep up with teams, initiatives and barriers; the leader with 60 of each."""
        rng, s = self.rng, self.sizes
        follows: set[tuple[int, str, int]] = set()
        kinds = [("teams", s.teams), ("initiatives", s.initiatives), ("barriers", s.barriers)]
        for kind, top in kinds:
            for ident in rng.sample(range(1, top + 1), min(top, 60)):
                follows.add((1, kind, ident))
        while len(follows) < s.follows + 180:
            kind, top = rng.choice(kinds)
            follows.add((rng.choice(self.staff), kind, rng.randint(1, top)))
        self.out.write(
            Follow.__table__,
            [
                {
                    "id": k,
                    "user_id": u,
                    "target_kind": kind,
                    "target_id": ident,
                    "active": rng.random() < 0.95,
                    "created_at": self.ago(0, 700),
                }
                for k, (u, kind, ident) in enumerate(sorted(follows), start=1)
            ],
        )

    def _inbox(self) -> None:
        """10,000 notifications for the leader (150 unread), more spread over everyone else."""
        rng, s, comments = self.rng, self.sizes, self.comments
        notes: list[Row] = []
        kinds_of_note = ["mention", "reply", "comment", "comment", "change", "decision"]
        for k in range(LEADER_NOTIFICATIONS + s.notifications):
            user = 1 if k < LEADER_NOTIFICATIONS else rng.choice(self.staff)
            c = comments[rng.randrange(len(comments))]
            at = self.now - timedelta(minutes=k if user == 1 else rng.uniform(0, 400000))
            kind = rng.choice(kinds_of_note)
            unread = k < LEADER_UNREAD if user == 1 else rng.random() < 0.1
            notes.append(
                {
                    "id": k + 1,
                    "user_id": user,
                    "kind": kind,
                    "text": f"{self.names[c['author_id']]} commented on what you follow ({k})",
                    "url": f"/comments/{c['id']}#comment-{c['id']}",
                    "event_key": f"bench:{k}",
                    "actor_id": c["author_id"],
                    "comment_id": c["id"] if kind != "decision" else None,
                    "delivery": "inbox",
                    "created_at": at,
                    "read_at": None if unread else at + timedelta(hours=1),
                }
            )
        self.out.write(Notification.__table__, notes)

    def supports_counted(self) -> None:
        """``barriers.support_count`` as the supports written make it (one UPDATE)."""
        db.session.execute(
            text(
                "UPDATE barriers SET support_count = (SELECT count(*) FROM barrier_supports "
                "WHERE barrier_supports.barrier_id = barriers.id)"
            )
        )

    # --- the activity log -----------------------------------------------------------------

    def activities(self) -> None:
        """The events the rows above would have logged, topped up with edits to the target."""
        rng, s = self.rng, self.sizes
        stage_name = {st.id: st.name for st in self.stages}
        events: list[Row] = []

        def event(
            actor: int | None,
            verb: str,
            subject_type: str,
            subject: int,
            team: int | None,
            at: datetime,
            **data: Any,
        ) -> None:
            events.append(
                {
                    "actor_id": actor,
                    "verb": verb,
                    "subject_type": subject_type,
                    "subject_id": subject,
                    "team_id": team,
                    "data": data,
                    "at": at,
                }
            )

        team: int | None
        for c in self.stage_changes:
            iid = c["initiative_id"]
            team, title = self.initiative_team[iid], self.initiative_title[iid]
            if c["from_stage_id"] is None:
                event(
                    c["by_id"], "created_initiative", "initiative", iid, team, c["at"], title=title
                )
            else:
                event(
                    c["by_id"],
                    "moved_initiative",
                    "initiative",
                    iid,
                    team,
                    c["at"],
                    title=title,
                    from_stage=stage_name[c["from_stage_id"]],
                    to_stage=stage_name[c["to_stage_id"]],
                )
        for u in self.status_updates:
            iid = u["initiative_id"]
            event(
                u["author_id"],
                "posted_update",
                "initiative",
                iid,
                self.initiative_team[iid],
                u["created_at"],
                title=self.initiative_title[iid],
                health=u["health"],
            )
        for a in self.actions:
            team = (
                self.initiative_team[a["initiative_id"]]
                if a["initiative_id"]
                else self.barrier_team.get(a["barrier_id"])
            )
            event(
                a["created_by_id"],
                "logged_action",
                "action",
                a["id"],
                team,
                a["created_at"],
                description=a["description"],
                barrier_id=a["barrier_id"],
                initiative_id=a["initiative_id"],
                owner=None,
                status=a["status"],
            )
        for c in self.cheers:
            sid = c["story_id"]
            event(
                c["user_id"],
                "cheered_story",
                "impactstory",
                sid,
                None,
                c["created_at"],
                title=self.story_title[sid],
                story_id=sid,
            )
        self._comment_events(event)
        rng.shuffle(events)
        del events[s.activities :]
        while len(events) < s.activities:
            bid = rng.randint(1, s.barriers)
            event(
                rng.choice(self.staff),
                "edited_barrier",
                "barrier",
                bid,
                self.barrier_team[bid],
                self.ago(0, 1000),
                title=self.barrier_title[bid],
            )
        events.sort(key=lambda e: e["at"])
        for k, row in enumerate(events, start=1):
            row["id"] = k
        self.out.write(Activity.__table__, events)

    def _comment_events(self, event: Any) -> None:
        """The "commented" events of the comments written."""
        update_of = {u["id"]: u["initiative_id"] for u in self.status_updates}
        team: int | None
        for c in self.comments:
            kind, ident = c["target_kind"], c["target_id"]
            iid = ident if kind == "initiatives" else update_of.get(ident)
            if kind in ("initiatives", "updates") and iid:
                team, title = self.initiative_team[iid], self.initiative_title[iid]
            elif kind == "barriers":
                team, title = self.barrier_team[ident], self.barrier_title[ident]
            else:
                team, title = None, ""
            event(
                c["author_id"],
                "commented",
                "comment",
                c["id"],
                team,
                c["created_at"],
                kind=kind,
                target_id=ident,
                title=title,
                excerpt=c["body"][:140],
                reply=c["parent_id"] is not None,
            )

    # --- the ids the benchmark visits -----------------------------------------------------

    def pick(self, data: Dataset) -> None:
        team_load: dict[int, int] = {}
        for t in self.initiative_team.values():
            team_load[t] = team_load.get(t, 0) + 1
        active = [t for t in team_load if self.team_status[t] == "active"]
        big_team = max(active, key=lambda t: team_load[t])
        slug = db.session.scalar(db.select(Team.slug).where(Team.id == big_team))
        data.big_team_slug = slug or ""
        data.big_initiative_id = self._big_initiative()
        data.early_comment_id = self.early_comment_id
        data.big_story_id = (
            db.session.scalar(
                db.select(ImpactStory.id)
                .where(ImpactStory.hidden.is_(False))
                .order_by(ImpactStory.cheer_count.desc(), ImpactStory.id)
                .limit(1)
            )
            or 1
        )


TABLES: list[Any] = [
    Department,
    User,
    Team,
    Membership,
    Initiative,
    StageChange,
    StatusUpdate,
    Barrier,
    Action,
    ImpactStory,
    Cheer,
    SatisfactionResult,
    Comment,
    CommentMention,
    BarrierSupport,
    Follow,
    Notification,
    Activity,
]


def build_library(scale: float = 1.0, seed: int = 12) -> Dataset:
    """Fill an empty, upgraded database (``flask db upgrade``) with the library at ``scale``."""
    start = time.perf_counter()
    builder = Builder(scale, seed)
    builder.people()
    builder.teams()
    builder.initiatives()
    builder.barriers()
    builder.stories()
    builder.conversations()
    builder.supports_counted()
    builder.satisfaction()
    builder.activities()
    db.session.commit()
    indexed = time.perf_counter()
    documents = search_index.reindex()
    index_seconds = time.perf_counter() - indexed
    builder.out.finish([*(t.__table__ for t in TABLES), SearchDocument.__table__])
    db.session.commit()
    data = Dataset(scale=scale, sizes=builder.sizes, counts=builder.out.counts)
    builder.pick(data)
    data.seconds = time.perf_counter() - start
    data.index_seconds, data.documents = index_seconds, documents
    return data


def build(departments: int = 40, people: int = 2000, seed: int = 7) -> None:
    """Only departments and staff (``people`` of them), for benchmarks that need no more."""
    builder = Builder(people / 5000, seed)
    builder.sizes.departments, builder.sizes.staff = departments, people
    builder.people()
    db.session.commit()
    builder.out.finish([Department.__table__, User.__table__])
    db.session.commit()
