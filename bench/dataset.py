"""Generate a large organisation for benchmarks: departments and staff at every level."""

from __future__ import annotations

import random

from teams_app.extensions import db
from teams_app.models import Department, Level, Role, User
from teams_app.security import hash_password

LEVELS = [lv.value for lv in Level]


def build(departments: int = 40, people: int = 2000, seed: int = 7) -> None:
    """Insert ``departments`` and ``people`` rows in bulk (one shared password hash)."""
    rng = random.Random(seed)
    depts = [
        Department(name=f"Bench Branch {i}", name_key=f"bench branch {i}", kind="branch")
        for i in range(departments)
    ]
    db.session.add_all(depts)
    db.session.flush()
    shared = hash_password("bench passphrase 1")
    rows = [
        {
            "email": f"bench{i}@library.example",
            "name": f"{rng.choice(['Ana', 'Ben', 'Cal', 'Dee', 'Eli', 'Fay'])} Bench{i}",
            "password_hash": shared,
            "role": Role.ADMIN.value if i == 0 else Role.STAFF.value,
            "level": rng.choice(LEVELS),
            "department_id": rng.choice(depts).id,
        }
        for i in range(people)
    ]
    db.session.execute(User.__table__.insert(), rows)
    db.session.commit()


WORDS = [
    "holds",
    "shelf",
    "printer",
    "desk",
    "renewal",
    "signage",
    "parking",
    "wifi",
    "queue",
    "rota",
    "fines",
    "lockers",
]


def build_barriers(barriers: int = 10000, seed: int = 11) -> None:
    """Insert ``barriers`` rows in bulk across categories, severities and statuses, each with
    one action owned by a random person."""
    from datetime import timedelta

    from teams_app.models import (
        Action,
        Affects,
        Barrier,
        BarrierCategory,
        BarrierSource,
        BarrierStatus,
        Severity,
        utcnow,
    )

    rng = random.Random(seed)
    people = [u for (u,) in db.session.execute(db.select(User.id))]
    depts = [d for (d,) in db.session.execute(db.select(Department.id))]
    now = utcnow()
    rows = []
    for i in range(barriers):
        severity = rng.choice(list(Severity))
        status = rng.choice(list(BarrierStatus)).value
        closed = status in BarrierStatus.closed()
        reported = now - timedelta(days=rng.randint(0, 400))
        rows.append(
            {
                "title": f"{rng.choice(WORDS)} {rng.choice(WORDS)} problem {i}",
                "category": rng.choice(list(BarrierCategory)).value,
                "affects": rng.choice(list(Affects)).value,
                "severity": severity.value,
                "severity_rank": severity.rank,
                "source": rng.choice(list(BarrierSource)).value,
                "status": status,
                "reported_by_id": rng.choice(people),
                "department_id": rng.choice(depts),
                "reported_at": reported,
                "resolved_at": reported + timedelta(days=10) if closed else None,
                "resolution": "Done." if closed else None,
                "updated_at": now,
                "version": 1,
            }
        )
    db.session.execute(Barrier.__table__.insert(), rows)
    ids = [b for (b,) in db.session.execute(db.select(Barrier.id))]
    db.session.execute(
        Action.__table__.insert(),
        [
            {
                "barrier_id": b,
                "description": "Look into it",
                "owner_id": rng.choice(people),
                "due_on": (now + timedelta(days=rng.randint(-30, 30))).date(),
                "status": "planned",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for b in ids
        ],
    )
    db.session.commit()


def build_portfolio(teams: int = 40, initiatives: int = 5000, seed: int = 13) -> None:
    """Active teams with sponsors and ``initiatives`` initiatives spread over the pipeline, with
    a stage history row each (bulk)."""
    from datetime import timedelta

    from teams_app.models import Initiative, Stage, StageChange, Team, utcnow

    rng = random.Random(seed)
    people = [u for (u,) in db.session.execute(db.select(User.id))]
    stages = list(db.session.scalars(db.select(Stage)))
    now = utcnow()
    db.session.execute(
        Team.__table__.insert(),
        [
            {
                "name": f"Bench Team {i}",
                "name_key": f"bench team {i}",
                "slug": f"bench-team-{i}",
                "problem": "A problem.",
                "goal": "A goal.",
                "status": "active",
                "open_to_join": True,
                "update_interval_days": 14,
                "sponsor_id": rng.choice(people[:20]),
                "proposed_at": now,
                "updated_at": now,
                "version": 1,
            }
            for i in range(teams)
        ],
    )
    team_ids = [t for (t,) in db.session.execute(db.select(Team.id))]
    rows = []
    for i in range(initiatives):
        entered = now - timedelta(days=rng.randint(0, 200))
        stage = rng.choice(stages)
        rows.append(
            {
                "team_id": rng.choice(team_ids),
                "title": f"Initiative {i}",
                "owner_id": rng.choice(people),
                "stage_id": stage.id,
                "stage_entered_at": entered,
                "health": rng.choice(["on_track", "on_track", "at_risk", "off_track"]),
                "target_date": (now + timedelta(days=rng.randint(-60, 200))).date(),
                "update_due_at": now + timedelta(days=rng.randint(-30, 14)),
                "completed_at": entered if stage.kind == "done" else None,
                "created_at": entered,
                "version": 1,
            }
        )
    db.session.execute(Initiative.__table__.insert(), rows)
    db.session.execute(
        StageChange.__table__.insert(),
        [
            {"initiative_id": i, "to_stage_id": s, "at": at}
            for i, s, at in db.session.execute(
                db.select(Initiative.id, Initiative.stage_id, Initiative.stage_entered_at)
            )
        ],
    )
    db.session.commit()
