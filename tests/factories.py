"""factory_boy factories that write through the app's own session."""

from __future__ import annotations

from functools import cache
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from teams_app.extensions import db
from teams_app.models import Department, Team, User
from teams_app.security import hash_password

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
    """A team made through the services, in the given status."""
    from teams_app.teams import services

    charter = services.Charter(
        name=name or f"Team {next(_team_numbers)}",
        problem="Customers wait too long at the desk.",
        goal="Halve the wait.",
        open_to_join=open_to_join,
        max_members=max_members,
    )
    team = services.propose_team(lead, charter)
    if status in ("active", "closed"):
        sponsor = sponsor or UserFactory(role="leadership", name="Sponsor Person")
        services.charter_team(sponsor, team, sponsor.id)
        for person in members:
            services.add_member(lead, team, person.id)
    if status == "declined":
        sponsor = sponsor or UserFactory(role="leadership", name="Sponsor Person")
        services.decline_team(sponsor, team, "Not now.")
    if status == "closed":
        services.close_team(lead, team, "We learned a lot.")
    loaded: Team = services.get_team(team.id)
    return loaded


_team_numbers = iter(range(1, 1_000_000))


def make_story(author: User, **changes: object) -> Any:
    """An impact story shared through the service (title, body and kind filled in)."""
    from teams_app.stories import services as stories

    details = stories.StoryDetails(
        title=str(changes.pop("title", f"Story {next(_story_numbers)}")),
        body=str(changes.pop("body", "A customer left **happy**.")),
        kind=str(changes.pop("kind", "win")),
        no_personal_details=True,
    )
    for name, value in changes.items():
        setattr(details, name, value)
    return stories.share_story(author, details)


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


def logged_action(
    actor: User,
    description: str,
    due_on: Any = None,
    *,
    barrier: Any = None,
    initiative: Any = None,
    owner_id: int | None = None,
) -> Any:
    """An action logged through the service. A due date already past is given as logged
    earlier, while it was still ahead: a new action cannot be due in the past."""
    from teams_app.barriers import services
    from teams_app.extensions import db
    from teams_app.models import Action

    past = due_on is not None and due_on < services.today_for(actor)
    action = services.log_action(
        actor,
        services.ActionDetails(description, owner_id, None if past else due_on),
        barrier=services.get_barrier(barrier.id) if barrier is not None else None,
        initiative=initiative,
    )
    if past:
        db.session.execute(
            Action.__table__.update().where(Action.id == action.id).values(due_on=due_on)
        )
        db.session.commit()
    return services.get_action(action.id)
