"""The one place tests build data: factory_boy factories for people and departments (written
through the app's own session), and the demo's builders (teams_app/demo/builders.py), which go
through the services, with test defaults."""

from __future__ import annotations

from functools import cache
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from teams_app.demo import builders
from teams_app.demo.builders import make_action, make_barrier, make_initiative
from teams_app.extensions import db
from teams_app.models import Department, Team, User
from teams_app.security import hash_password

__all__ = [
    "PASSWORD",
    "DepartmentFactory",
    "UserFactory",
    "logged_action",
    "make_action",
    "make_barrier",
    "make_failed_job",
    "make_initiative",
    "make_story",
    "make_team",
    "password_hash",
]

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    """Hash once per run: argon2 is slow on purpose."""
    return hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class DepartmentFactory(BaseFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Branch {n}")
    name_key = factory.LazyAttribute(lambda o: o.name.lower())
    kind = "branch"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@library.example")
    name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = factory.LazyFunction(password_hash)
    role = "staff"
    level = "frontline"
    department = factory.SubFactory(DepartmentFactory)
    timezone = "America/Chicago"


def make_team(
    lead: User,
    *,
    status: str = "active",
    name: str | None = None,
    open_to_join: bool = True,
    max_members: int | None = None,
    members: tuple[User, ...] = (),
    sponsor: User | None = None,
) -> Team:
    """A team made through the services, in the given status (the demo's builder, with a
    numbered name and a sponsor from leadership made when none is given)."""
    if status != "proposed" and sponsor is None:
        sponsor = UserFactory(role="leadership", name="Sponsor Person")
    return builders.make_team(
        lead,
        name=name or f"Team {next(_team_numbers)}",
        status=status,
        sponsor=sponsor,
        open_to_join=open_to_join,
        max_members=max_members,
        members=members,
    )


_team_numbers = iter(range(1, 1_000_000))


def make_story(author: User, **changes: Any) -> Any:
    """An impact story shared through the service (title, body and kind filled in)."""
    title = str(changes.pop("title", f"Story {next(_story_numbers)}"))
    return builders.make_story(author, title=title, **changes)


_story_numbers = iter(range(1, 1_000_000))


def make_failed_job(person: User, error: str = "SMTPServerDisconnected: Connection closed") -> Any:
    """An outbox row for an invitation mail that failed every try (as after an SMTP outage)."""
    from teams_app.models import OutboxJob, OutboxStatus, utcnow

    row = OutboxJob(
        key=f"jobs.mail.send_invitation:test-{next(_job_numbers)}",
        func="jobs.mail.send_invitation",
        args=[person.id],
        queue="mail",
        status=OutboxStatus.FAILED.value,
        attempts=4,
        last_error=error,
        finished_at=utcnow(),
    )
    db.session.add(row)
    db.session.commit()
    return row


_job_numbers = iter(range(1, 1_000_000))


# An action logged through the service; a due date already past is set as if logged earlier.
logged_action = builders.make_action
