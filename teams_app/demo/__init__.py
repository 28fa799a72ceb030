"""Demo data: a library system with a dozen departments and ~40 staff at every level.

``data.py`` holds the content (named rows), ``builders.py`` makes each kind of thing through the
services and moves it into the past (``clock.py``), and ``seed()`` here runs the rows through
the builders. ``seed()`` is idempotent: it looks people, departments, teams, barriers and
stories up by their unique keys and only adds what is missing, so ``make run`` can call it every
time (``flask seed-demo``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from teams_app.barriers import services as barriers
from teams_app.conversations.demo import seed_conversations
from teams_app.demo import builders, data
from teams_app.demo.clock import date_in, days_ago
from teams_app.demo.data import (
    BARRIERS,
    DEMO_DOMAIN,
    DEMO_IDP_KEY,
    DEMO_IDP_PASSWORD,
    DEMO_PASSWORDS,
    DEPARTMENTS,
    PEOPLE,
    STORIES,
    TEAMS,
    TeamRow,
    demo_email,
)
from teams_app.extensions import db
from teams_app.models import (
    Barrier,
    Department,
    ImpactStory,
    Initiative,
    Level,
    OutboxJob,
    OutboxStatus,
    SatisfactionResult,
    Team,
    User,
    UserIdentity,
    utcnow,
)
from teams_app.people.services import find_department, find_user_by_email
from teams_app.satisfaction import services as satisfaction
from teams_app.security import hash_password
from teams_app.stories import services as stories
from teams_app.surveys.demo import seed_surveys
from teams_app.teams.services import get_team, leads_of

__all__ = [
    "DEMO_DOMAIN",
    "DEMO_IDP_KEY",
    "DEMO_IDP_PASSWORD",
    "DEMO_PASSWORDS",
    "demo_email",
    "demo_idp_accounts",
    "seed",
    "seed_barriers",
    "seed_identities",
    "seed_outbox",
    "seed_satisfaction",
    "seed_stories",
    "seed_teams",
]


def _person(name: str) -> User:
    user = find_user_by_email(demo_email(name))
    assert user is not None, name
    return user


def _first_lead(team: Team) -> User:

    return leads_of(team)[0]


def seed() -> str:
    """Add whatever of the demo is missing; returns what to print (the accounts to sign in)."""
    added_depts = seed_departments()
    added_people = seed_people()
    added_teams = seed_teams()
    added_barriers = seed_barriers()
    seed_stories()
    seed_satisfaction()
    seed_surveys(_person("Louise Director"))
    seed_outbox()
    seed_identities()
    seed_conversations([demo_email(p.name) for p in data.PEOPLE[:4]])

    lines = [
        f"Demo data: {added_depts} departments, {added_people} people, {added_teams} teams and "
        f"{added_barriers} barriers added ({len(DEPARTMENTS)} departments, {len(PEOPLE)} "
        f"people, {len(TEAMS)} teams, {len(BARRIERS)} barriers in the demo).",
        "Demo accounts (sign in with these):",
    ]
    for person in PEOPLE[:4]:
        lines.append(
            f"  {person.role:<10} {person.email:<34} password: {DEMO_PASSWORDS[person.role]}"
        )
    lines.append(f"  ...every other demo person is staff, password: {DEMO_PASSWORDS['staff']}")
    lines.append(
        f"  Demo IdP (single sign-on): username = the address before @ (or jamie.newhire, "
        f"new here), password: {DEMO_IDP_PASSWORD}"
    )
    lines.append("Who leads what (sign in as a lead to move cards on a team's board):")
    for team in TEAMS:
        lead = team.proposer + (f" and {team.co_lead}" if team.co_lead else "")
        lines.append(f"  {team.name} ({team.status}): {lead}")
    return "\n".join(lines)


def seed_departments() -> int:
    added = 0
    for row in DEPARTMENTS:
        if find_department(row.name) is None:
            builders.make_department(row.name, row.kind)
            added += 1
    db.session.flush()
    return added


def seed_people() -> int:
    hashes = {role: hash_password(pw) for role, pw in DEMO_PASSWORDS.items()}
    departments: dict[str, Department] = {}
    added = 0
    for row in PEOPLE:
        if find_user_by_email(row.email) is not None:
            continue
        assert row.level in {lv.value for lv in Level}
        if row.department not in departments:
            department = find_department(row.department)
            assert department is not None, row.department
            departments[row.department] = department
        builders.make_person(
            name=row.name,
            email=row.email,
            role=row.role,
            level=row.level,
            department=departments[row.department],
            password_hash=hashes[row.role],
            timezone=data.TIMEZONE,
            joined_days_ago=data.PEOPLE_JOINED_DAYS_AGO,
            digest_frequency="daily" if row.name in data.DAILY_READERS else "weekly",
        )
        added += 1
    db.session.commit()
    return added


def seed_teams() -> int:
    """Teams in every state, and the active ones' initiatives."""
    added = 0
    for row in TEAMS:
        if db.session.scalar(select(Team).where(Team.name_key == row.name.lower())):
            continue
        team = builders.make_team(
            _person(row.proposer),
            name=row.name,
            status=row.status,
            sponsor=_person(row.sponsor),
            problem=row.problem,
            goal=row.goal,
            scope=row.scope,
            open_to_join=row.open_to_join,
            max_members=row.max_members,
            members=[_person(name) for name in row.members],
            co_leads=[_person(row.co_lead)] if row.co_lead else [],
            requests=[(_person(r.person), r.message) for r in row.requests],
            charter_note=data.CHARTER_NOTE,
            decline_reason=row.decline_reason or "",
            closing_summary=row.closing_summary or "",
            days_ago=row.days,
        )
        if row.status == "active":
            seed_initiatives(team.id, row)
        added += 1
    return added


def seed_initiatives(team_id: int, row: TeamRow) -> None:
    """The team's initiatives, in every stage and health, with their past."""

    for item in row.initiatives:
        team = get_team(team_id)
        builders.make_initiative(
            _first_lead(team),
            team,
            item.title,
            owner=_person(item.owner),
            path=item.path,
            updates=[(u.health, u.body) for u in item.updates],
            back_note=data.BACK_NOTE,
            stop_note=data.STOP_NOTE,
            days_ago=item.days,
            target_date=date_in(item.target_in_days) if item.target_in_days is not None else None,
        )


def seed_barriers() -> int:
    """Barriers in every status, with actions, made through the services and then backdated."""

    added = 0
    for row in BARRIERS:
        if db.session.scalar(select(Barrier.id).where(Barrier.title == row.title)):
            continue
        team = db.session.scalar(select(Team).where(Team.name == row.team)) if row.team else None
        initiative = (
            db.session.scalar(select(Initiative).where(Initiative.title == row.initiative))
            if row.initiative
            else None
        )
        barrier = builders.make_barrier(
            _person(row.reporter),
            title=row.title,
            description=row.description,
            category=row.category,
            affects=row.affects,
            severity=row.severity,
            source=row.source,
            team=team,
            initiative=initiative,
            department=find_department(row.department),
        )
        reported = days_ago(row.days)
        lead = _first_lead(team) if team is not None else _person(data.LEAD_WITHOUT_TEAM)
        made = [
            builders.make_action(
                lead,
                action.description,
                date_in(action.due_in_days),
                barrier=barrier,
                owner_id=_person(action.owner).id,
                status=action.status,
                outcome=action.outcome,
            ).id
            for action in row.actions
        ]
        resolution = row.resolution
        if resolution is not None:
            barriers.resolve_barrier(
                _person(resolution.by),
                barriers.get_barrier(barrier.id),
                resolution.outcome,
                resolution.note,
            )
        end = days_ago(resolution.days_ago if resolution else 0)
        builders.backdate_barrier(barrier.id, made, reported, end)
        added += 1
    return added


def seed_stories() -> int:
    """Impact stories of every kind, cheered by colleagues: this month's featured story, two
    past months' ones (set directly) and one hidden with a reason. Idempotent by title."""

    added = 0
    now = utcnow()
    today = now.date()
    curator = data.STORY_CURATOR
    for row in STORIES:
        if db.session.scalar(select(ImpactStory.id).where(ImpactStory.title == row.title)):
            continue
        department = find_department(row.department)
        occurred = today - timedelta(days=row.days)
        if row.featured == "now":  # this month's Story of the Month happened this month
            occurred = max(occurred, today.replace(day=1))
        # Shared the day it happened (in the afternoon, or now for today's).
        posted = datetime.combine(occurred, time(15), tzinfo=UTC)
        story = builders.make_story(
            _person(row.author),
            title=row.title,
            body=row.body,
            kind=row.kind,
            department_id=department.id if department else None,
            occurred_on=occurred,
            shared_at=min(posted, now),
        )
        for name in row.cheered_by:
            stories.cheer(_person(name), stories.get_story(story.id))
        if row.featured == "now":
            stories.feature_story(_person(curator), stories.get_story(story.id))
        elif row.featured == "in its month":
            featured = db.session.get(ImpactStory, story.id)
            assert featured is not None
            featured.featured_month = occurred.strftime("%Y-%m")
            db.session.commit()
        if row.hidden_reason is not None:
            stories.hide_story(_person(curator), stories.get_story(story.id), row.hidden_reason)
        added += 1
    return added


def _month_back(months: int) -> str:
    today = utcnow().date()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def seed_satisfaction() -> int:
    """A year of survey results, imported as one CSV through the service (rows already there are
    left out, so running it again adds nothing)."""

    rows = []
    for i, score in enumerate(data.CUSTOMER_SATISFACTION):
        rows.append((_month_back(12 - i), "Customer satisfaction", score, 5, 380 + 7 * i, ""))
    for i, score in enumerate(data.STAFF_ENGAGEMENT):
        rows.append((_month_back(12 - i), "Staff engagement", score, 10, 140 + i, ""))
    for result in data.DEPARTMENT_SATISFACTION:
        rows.append(
            (
                _month_back(1 + result.months_back),
                "Customer satisfaction",
                result.score,
                5,
                60,
                result.department,
            )
        )
    have = {
        (p, m, d.name if d else "")
        for p, m, d in (
            (r.period, r.metric, r.department)
            for r in db.session.scalars(select(SatisfactionResult))
        )
    }
    wanted = [r for r in rows if (r[0], r[1], r[5]) not in have]
    if not wanted:
        return 0
    lines = ["period,metric,score,scale_max,respondents,department"]
    lines += [",".join(str(v) for v in r) for r in wanted]
    return len(satisfaction.import_csv(_person(data.SATISFACTION_IMPORTED_BY), "\n".join(lines)))


def seed_outbox() -> None:
    """One mail that failed every try (as during an SMTP outage), so the operations page shows
    a failed job and its Resend button. Keyed, so a second seed adds nothing."""

    key = data.FAILED_MAIL_KEY
    if db.session.scalar(select(OutboxJob.id).where(OutboxJob.key == key)) is not None:
        return
    person = find_user_by_email(demo_email(data.FAILED_MAIL_FOR))
    if person is None:
        return
    db.session.add(
        OutboxJob(
            key=key,
            func="jobs.mail.send_password_reset",
            args=[person.id],
            queue="mail",
            retry_intervals=[10, 60, 300],
            status=OutboxStatus.FAILED.value,
            attempts=4,
            created_at=utcnow() - timedelta(hours=3),
            finished_at=utcnow() - timedelta(hours=2, minutes=54),
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        )
    )
    db.session.commit()


# --- Single sign-on: the demo's own OpenID provider (see data.py) -----------------------------


def _idp_login(email: str) -> str:
    return email.split("@")[0]


def demo_idp_accounts() -> dict[str, dict[str, Any]]:
    """Who the demo provider knows: every demo person (same address, groups for their role), a
    new hire with no account yet (their first sign-in makes one) and a contractor whose address
    is outside the allowed domain (refused)."""
    accounts: dict[str, dict[str, Any]] = {}
    for person in PEOPLE:
        login = _idp_login(person.email)
        accounts[login] = {
            "sub": f"demo-{login}",
            "password": DEMO_IDP_PASSWORD,
            "email": person.email,
            "email_verified": True,
            "name": person.name,
            "groups": data.DEMO_IDP_GROUPS.get(person.role, []),
        }
    for login, name, email in data.IDP_ONLY_ACCOUNTS:
        accounts[login] = {
            "sub": f"demo-{login}",
            "password": DEMO_IDP_PASSWORD,
            "email": email,
            "email_verified": True,
            "name": name,
            "groups": [],
        }
    return accounts


def seed_identities() -> int:
    """Link a few demo people to their Demo IdP account (idempotent)."""

    added = 0
    for name in data.LINKED_AT_START:
        user = _person(name)
        subject = f"demo-{_idp_login(user.email)}"
        if any(i.provider == DEMO_IDP_KEY for i in user.identities):
            continue
        db.session.add(
            UserIdentity(user=user, provider=DEMO_IDP_KEY, subject=subject, email=user.email)
        )
        added += 1
    db.session.commit()
    return added
