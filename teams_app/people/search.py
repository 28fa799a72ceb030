"""Find a person by what someone types: the people typeahead (JSON) and the no-JavaScript path
that resolves the typed text on the server. A filter that names a person this way replaces a
dropdown of everyone, which at a large organisation is thousands of options on every page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from teams_app.extensions import db
from teams_app.models import User
from teams_app.people.services import DirectoryFilter, directory_query
from teams_app.permissions import can

MAX_MATCHES = 20


def matching(text: str, limit: int = 10) -> list[User]:
    """Active people whose name contains ``text``, by name (the directory's rules: no pending
    accounts, no addresses searched)."""
    text = text.strip()[:100]
    if not text:
        return []
    stmt: Select[Any] = directory_query(DirectoryFilter(q=text))
    stmt = stmt.limit(max(1, min(limit, MAX_MATCHES)))
    return list(db.session.scalars(stmt).unique())


@dataclass
class Resolved:
    person: User | None = None
    problem: str | None = None  # why the text names nobody, to show by the field


def resolve(text: str, viewer: User) -> Resolved:
    """The one person ``text`` names: "me", a full name (any case), or, for those who may see
    addresses, an email address. Several people with that name ask for more."""
    text = " ".join(text.split())[:254]
    if not text:
        return Resolved()
    if text.lower() == "me":
        return Resolved(viewer)
    visible: Select[Any] = directory_query(DirectoryFilter())
    visible = visible.order_by(None).order_by(User.id)
    if "@" in text and can(viewer, "see_email", None):
        found = db.session.scalars(visible.where(User.email == text.lower()).limit(1)).first()
    else:
        named = list(
            db.session.scalars(visible.where(func.lower(User.name) == text.lower()).limit(2))
        )
        if len(named) > 1:
            return Resolved(
                problem=f"More than one person is called {text}: pick one from the list."
            )
        found = named[0] if named else None
    if found is None:
        return Resolved(problem=f"Nobody called {text} was found.")
    return Resolved(found)


def by_id(user_id: int | None) -> User | None:
    if not user_id:
        return None
    return db.session.scalar(select(User).where(User.id == user_id))
