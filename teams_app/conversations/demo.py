"""Demo conversations: threads on several initiatives (with replies and @mentions), "me too" on
barriers from people at several branches, and unread notifications for the demo accounts.

``seed_conversations(accounts)`` is called once from the demo seed, after people, teams,
initiatives and barriers exist; it reads them from the database and adds nothing when the demo
already has comments (running the seed twice changes nothing)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from teams_app.conversations import services
from teams_app.conversations.targets import load
from teams_app.errors import ServiceError
from teams_app.extensions import db
from teams_app.models import (
    Barrier,
    BarrierStatus,
    Comment,
    Department,
    DepartmentKind,
    Initiative,
    Team,
    TeamStatus,
    User,
)
from teams_app.notifications import services as notes

THREADS = [
    "How are the first weeks going? Anything we should change before we roll it out?",
    "Going well at our branch: customers notice the difference.",
    "Could we try it on Saturdays too? @{other} knows the weekend rota.",
    "Happy to help: I can pair with whoever starts it.",
]
SUPPORT_WORDS = [
    "Also at our branch, every Saturday.",
    "Same here: it cost us two complaints last week.",
    "",
    "We see it most in the evenings.",
]


def _say(
    person: User, kind: str, ident: int, body: str, parent: int | None = None
) -> Comment | None:
    try:
        return services.add_comment(person, load(kind, ident), body, parent_id=parent)
    except ServiceError:
        return None


def seed_conversations(accounts: Sequence[str] = ()) -> int:  # noqa: C901 - one linear demo script, a branch per seeded thread
    """Add the demo's conversations; ``accounts`` are the demo accounts' emails, who get unread
    notifications (a mention each). Returns how many comments were added."""
    if db.session.scalar(select(Comment.id).limit(1)) is not None:
        return 0
    people = list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.password_hash.is_not(None))
            .order_by(User.id)
        )
    )
    if len(people) < 4:
        return 0
    demo = [p for p in people if p.email in set(accounts)] or people[:4]
    before = db.session.scalar(select(db.func.count(Comment.id))) or 0
    initiatives = list(
        db.session.scalars(
            select(Initiative)
            .join(Team, Team.id == Initiative.team_id)
            .where(Team.status == TeamStatus.ACTIVE.value)
            .order_by(Initiative.id)
            .limit(4)
        )
    )
    for n, initiative in enumerate(initiatives):
        voices = [p for p in people if p.id not in {d.id for d in demo}][n : n + 3] or people[:3]
        first = _say(voices[0], "initiatives", initiative.id, THREADS[0])
        if first is None:
            continue
        _say(voices[1 % len(voices)], "initiatives", initiative.id, THREADS[1], first.id)
        mention = demo[n % len(demo)]
        _say(
            voices[2 % len(voices)],
            "initiatives",
            initiative.id,
            THREADS[2].format(other=mention.name),
        )
        _say(voices[0], "initiatives", initiative.id, THREADS[3], first.id)
    # "Me too" from people at several branches on the open barriers.
    branch_people = list(
        db.session.scalars(
            select(User)
            .join(Department, Department.id == User.department_id)
            .where(
                Department.kind == DepartmentKind.BRANCH.value,
                User.active.is_(True),
                User.password_hash.is_not(None),
            )
            .order_by(Department.id, User.id)
        )
    )
    by_branch: dict[int | None, User] = {}
    for p in branch_people:
        by_branch.setdefault(p.department_id, p)
    supporters = list(by_branch.values())
    barriers = list(
        db.session.scalars(
            select(Barrier)
            .where(Barrier.status.not_in(BarrierStatus.closed()))
            .order_by(Barrier.id)
            .limit(3)
        )
    )
    for b, barrier in enumerate(barriers):
        for i, person in enumerate(supporters[: 4 - b]):
            if person.id == barrier.reported_by_id:
                continue
            try:
                services.support(person, barrier, SUPPORT_WORDS[(i + b) % len(SUPPORT_WORDS)])
            except ServiceError:
                db.session.rollback()
    # Every demo account has something unread: a mention from a colleague.
    if barriers:
        for n, person in enumerate(demo):
            colleague = next(p for p in people if p.id != person.id)
            _say(
                colleague,
                "barriers",
                barriers[n % len(barriers)].id,
                f"@{person.name} this is the one I mentioned: could you take a look?",
            )
    _discuss_the_holds_shelf(people)
    notes.unread_count(demo[0])  # the header's count is ready (and the query warmed)
    return int((db.session.scalar(select(db.func.count(Comment.id))) or 0) - before)


def _discuss_the_holds_shelf(people: list[User]) -> None:
    """The thread a search for "holds shelf" finds after the barrier, its initiative and story."""
    initiative = db.session.scalar(
        select(Initiative).where(Initiative.title == "Holds shelf by the entrance")
    )
    if initiative is not None and len(people) > 5:
        _say(
            people[5],
            "initiatives",
            initiative.id,
            "Since the move, customers walk straight to the holds shelf: the desk hears "
            "“where are my holds?” a few times a week instead of every hour.",
        )
