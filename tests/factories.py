"""factory_boy factories that write through the app's own session."""

from __future__ import annotations

from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from teams_app.extensions import db
from teams_app.models import Department, User
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
