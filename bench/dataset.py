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
