"""Fixtures for the barrier service tests: a team and the people around it, a register of four
barriers, and someone's work."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from teams_app.extensions import db
from teams_app.models import Barrier, utcnow
from tests.factories import DepartmentFactory, UserFactory, make_team
from tests.integration.barriers.helpers import (
    log,
    report,
    resolve,
    update,
)


@pytest.fixture
def member2(app):
    return UserFactory(name="Mia Member")


@pytest.fixture
def outsider(app):
    return UserFactory(name="Oz Outsider")


@pytest.fixture
def team_of_three(staff, member, member2):
    """Sam Staff leads it; Mo and Mia are plain members."""
    return make_team(staff, name="Desk Team", members=(member, member2))


@pytest.fixture
def register(staff, team_of_three, leader, outsider):
    """Four barriers, one per status, reported a day apart (oldest first)."""
    north = DepartmentFactory(name="North Branch")
    south = DepartmentFactory(name="South Branch")
    opened = report(
        outsider,
        title="Slow wifi in the branch",
        category="technology",
        severity="low",
        affects="customers",
        department_id=north.id,
        team_id=team_of_three.id,
    )
    addressing = report(
        outsider,
        title="Forms only in English",
        description="Newcomers cannot fill them in.",
        category="communication",
        severity="critical",
        affects="customers",
        department_id=south.id,
    )
    log(leader, addressing)
    removed = report(
        staff,
        title="Hold shelf is full",
        category="process",
        severity="high",
        affects="staff",
        department_id=north.id,
        team_id=team_of_three.id,
    )
    resolve(staff, removed)
    accepted = report(staff, title="Parking is far away", category="facilities", affects="internal")
    resolve(leader, accepted, "accepted", "No land to build on.")
    now = utcnow()
    for days, b in enumerate((accepted, removed, addressing, opened), start=1):
        db.session.get(Barrier, b.id).reported_at = now - timedelta(days=days)
    db.session.commit()
    by_name = {"open": opened, "addressing": addressing, "removed": removed, "accepted": accepted}
    return SimpleNamespace(
        ids={name: b.id for name, b in by_name.items()},
        refs={"north": north.id, "south": south.id, "team": team_of_three.id},
    )


@pytest.fixture
def my_work(staff, team_of_three, member, member2):
    """Mo's actions in a scrambled order, some finished, and one of Mia's."""
    today = date.today()
    barrier = report(staff, team_id=team_of_three.id)
    made = {}
    for name, due in (
        ("undated", None),
        ("later", today + timedelta(days=20)),
        ("soon", today + timedelta(days=2)),
        ("overdue", today - timedelta(days=3)),
        ("long overdue", today - timedelta(days=10)),
    ):
        made[name] = log(member, barrier, description=name, due_on=due)
    done = log(member, barrier, description="done", due_on=today - timedelta(days=5))
    update(member, done, status="done", outcome="Did it.")
    dropped = log(member, barrier, description="dropped", due_on=today - timedelta(days=5))
    update(member, dropped, status="dropped")
    made["doing"] = log(member, barrier, description="doing", due_on=today + timedelta(days=5))
    update(member, made["doing"], status="doing")
    log(member2, barrier, description="Mia's", due_on=today - timedelta(days=30))
    return SimpleNamespace(today=today, barrier=barrier, ids={k: a.id for k, a in made.items()})
