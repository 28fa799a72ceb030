"""Fixtures for the fault tests: private PostgreSQL (one cluster per run, a database per test),
Redis and SMTP per test, the app's processes, and a database with people and teams to use."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.faults.services import (
    PG_BIN,
    PrivatePostgres,
    PrivateRedis,
    Process,
    SmtpSink,
    app_env,
)

PASSWORD = "fault test passphrase"
_databases = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.skip(
            "PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin) are needed: make fault-tools"
        )
    server = PrivatePostgres()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


@pytest.fixture
def started() -> Iterator[list[Process]]:
    """Every app process a test starts goes in here and is stopped (by its pid) afterwards."""
    processes: list[Process] = []
    yield processes
    for process in reversed(processes):
        process.stop(timeout=15)


@dataclass
class World:
    url: str
    admins: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)  # {slug, name, lead}
    tokens: dict[str, str] = field(default_factory=dict)  # staff email -> API token


def build_world(url: str, redis_url: str, smtp_port: int, *, admins=2, staff=8, teams=0) -> World:
    """Migrate ``url`` and add people and ask-to-join teams, through the app's own services.
    The notices that makes are marked done so a test starts with an empty outbox."""
    from flask_migrate import upgrade
    from redis import Redis
    from sqlalchemy import update

    from teams_app import create_app
    from teams_app.account.services import create_token
    from teams_app.extensions import db
    from teams_app.models import OutboxJob, User
    from teams_app.security import hash_password
    from teams_app.teams import services as team_services

    env = app_env(url, redis_url, smtp_port, APP_ENV="test")
    app = create_app({"ENV_OVERRIDES": env})
    world = World(url)
    with app.app_context():
        upgrade()
        hashed = hash_password(PASSWORD)

        def person(email: str, name: str, role: str = "staff") -> User:
            user = User(email=email, name=name, role=role, level="specialist", password_hash=hashed)
            db.session.add(user)
            db.session.commit()
            return user

        for i in range(admins):
            world.admins.append(person(f"admin{i}@library.example", f"Admin {i}", "admin").email)
        leader = person("director@library.example", "Dana Director", "leadership")
        for i in range(staff):
            member = person(f"staff{i}@library.example", f"Staff Person {i}")
            world.staff.append(member.email)
            world.tokens[member.email] = create_token(member, "fault test")[1]
        for i in range(teams):
            lead = person(f"lead{i}@library.example", f"Lead Person {i}")
            team = team_services.propose_team(
                lead,
                team_services.Charter(
                    name=f"Fault Team {i}",
                    problem="Customers wait too long at the desk on Saturdays.",
                    goal="Halve the wait by spring.",
                    open_to_join=False,
                ),
            )
            team_services.charter_team(leader, team, leader.id, "Go ahead.")
            world.teams.append({"slug": team.slug, "name": team.name, "lead": lead.email})
        db.session.execute(update(OutboxJob).values(status="done"))
        db.session.commit()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    Redis.from_url(redis_url).flushdb()
    return world


@pytest.fixture
def database(pg: PrivatePostgres) -> str:
    return pg.create_database(f"faults_{next(_databases)}")
