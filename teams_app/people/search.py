"""Find a person by what someone types: the people typeahead (JSON) and the no-JavaScript path
that resolves the typed text on the server. A filter that names a person this way replaces a
dropdown of everyone, which at a large organisation is thousands of options on every page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func

from teams_app.extensions import db
from teams_app.models import User
from teams_app.people.services import DirectoryFilter, directory_query
from teams_app.permissions import can

MAX_MATCHES = 20
SEP = " · "  # between a name and what tells two people of that name apart
_ID_TAIL = re.compile(r"^(.*) · #(\d+)$")


def matching(text: str, limit: int = 10) -> list[User]:
    """Active people whose name contains ``text``, by name (the directory's rules: no pending
    accounts, no addresses searched)."""
    text = text.strip()[:100]
    if not text:
        return []
    stmt: Select[Any] = directory_query(DirectoryFilter(q=text))
    stmt = stmt.limit(max(1, min(limit, MAX_MATCHES)))
    return list(db.session.scalars(stmt).unique())


def labels(people: list[User]) -> dict[int, str]:
    """Text that tells each person apart from the others offered with them: "Name · Department",
    with " · #id" added where that is still shared. The typeahead offers these and the server
    resolves them (without JavaScript the browser's own list offers them)."""
    base = {u.id: SEP.join([u.name, u.department.name]) if u.department else u.name for u in people}
    seen: dict[str, int] = {}
    for text in base.values():
        seen[text.lower()] = seen.get(text.lower(), 0) + 1
    return {
        uid: f"{text}{SEP}#{uid}" if seen[text.lower()] > 1 else text for uid, text in base.items()
    }


@dataclass
class Resolved:
    person: User | None = None
    problem: str | None = None  # why the text names nobody, to show by the field
    choices: dict[int, str] = field(default_factory=dict)  # people it might mean, by label


def _visible() -> Select[Any]:
    """People anyone signed in may pick: the directory's rules (active, address confirmed)."""
    return directory_query(DirectoryFilter()).order_by(None).order_by(User.id)


def names(text: str, person: User) -> bool:
    """Whether ``text`` still names ``person``: their name, or a label the typeahead offered."""
    text = " ".join(text.split()).lower()
    name = person.name.lower()
    dept = person.department.name.lower() if person.department else None
    return text in {name, f"{name}{SEP}#{person.id}"} or (
        dept is not None and text in {f"{name}{SEP}{dept}", f"{name}{SEP}{dept}{SEP}#{person.id}"}
    )


def resolve(text: str, viewer: User) -> Resolved:
    """The one person ``text`` names: "me", a full name (any case), a label from the typeahead
    ("Name · Department", "… · #id") or, for those who may see addresses, an email address.
    Several people with that name ask for more, and are offered by label to pick from."""
    text = " ".join(text.split())[:254]
    if not text:
        return Resolved()
    if text.lower() == "me":
        return Resolved(viewer)
    visible = _visible()
    if "@" in text and can(viewer, "see_email", None):
        found = db.session.scalars(visible.where(User.email == text.lower()).limit(1)).first()
    elif tail := _ID_TAIL.match(text):
        found = db.session.scalars(visible.where(User.id == int(tail.group(2)))).first()
        if found is not None and not names(text, found):
            found = None
    else:
        named = _named(visible, text)
        if not named and SEP in text:
            name = text.split(SEP, 1)[0]
            named = [u for u in _named(visible, name, MAX_MATCHES) if names(text, u)]
        if len(named) > 1:
            return Resolved(
                problem=f"More than one person is called {text}: pick one from the list.",
                choices=labels(_named(visible, named[0].name, MAX_MATCHES)),
            )
        found = named[0] if named else None
    if found is None:
        return Resolved(problem=f"Nobody called {text} was found.")
    return Resolved(found)


def _named(visible: Select[Any], name: str, limit: int = 2) -> list[User]:
    stmt = visible.where(func.lower(User.name) == name.lower()).limit(limit)
    return list(db.session.scalars(stmt).unique())


def by_id(user_id: int | None) -> User | None:
    """A person picked by id, if they are one anyone may pick (not pending or deactivated)."""
    if not user_id:
        return None
    return db.session.scalars(_visible().where(User.id == user_id)).first()
