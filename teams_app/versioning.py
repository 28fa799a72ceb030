"""Versioned edits: the one way to refuse a save made over someone else's.

Teams, initiatives, barriers, actions and stories carry a ``version`` (SQLAlchemy's
``version_id_col``: every UPDATE of the row checks it). An edit sends the version the person
edited; the service checks it (``need_version`` early: 422 without one, ``check_version`` once
the input is valid: 409 when it is old) and commits through ``commit_versioned``, the one place
that turns a race lost at the database (``StaleDataError``) into the same 409. Either way the
refusal is a ``StaleEdit`` carrying the saved object, so a page can show it beside the person's
input (``views.edit_with_version``) and the API answers the contract's conflict.

Where the version comes from: a form's hidden ``version`` field (``form_version``), or an API
body's ``version``, else an ``If-Match`` header (``api_version``; a PATCH of a versioned object
without either is 422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from sqlalchemy.orm.exc import StaleDataError

from teams_app.errors import Conflict, InvalidInput
from teams_app.extensions import db

# What a stale message calls each versioned object.
_NOUNS = {
    "Team": "team's charter",
    "Initiative": "initiative",
    "Barrier": "barrier",
    "Action": "action",
    "ImpactStory": "story",
    "Survey": "survey",
    "SurveyComment": "comment's coding",
}


class StaleEdit(Conflict):
    """Someone saved first; ``current`` is what they saved, to show beside the person's input."""

    def __init__(self, current: Any) -> None:
        what = _NOUNS.get(type(current).__name__, "item")
        super().__init__(
            f"Someone else changed this {what} while you were editing. Their version is shown; "
            "your changes are kept. Save again to replace theirs.",
            fields={"version": [f"The current version is {current.version}."]},
        )
        self.current = current


def need_version(version: int | None, message: str = "Send the version you edited.") -> int:
    """The version an edit was made from; an edit without one is refused (422), never taken as
    "whatever is current"."""
    if version is None:
        raise InvalidInput.on("version", message)
    return version


def check_version(obj: Any, version: int | None) -> None:
    """Refuse (422) an edit without a version, and (409, ``StaleEdit``) one made from an old one."""
    if need_version(version) != obj.version:
        raise StaleEdit(obj)


def commit_versioned(
    obj: Any, reload: Callable[[int], Any] | None = None, *, flush_only: bool = False
) -> None:
    """Commit (or only flush). A row someone saved since we read it raises ``StaleEdit`` with the
    saved object (``reload(id)``, by default a fresh read of the row), whether the race shows at
    a mid-service flush or at the commit. The only place that catches ``StaleDataError``."""
    try:
        if flush_only:
            db.session.flush()
        else:
            db.session.commit()
    except StaleDataError:
        db.session.rollback()
        ident = obj.id
        if reload is not None:
            fresh = reload(ident)
        else:
            fresh = db.session.get(type(obj), ident, populate_existing=True)
        raise StaleEdit(fresh) from None


def form_version(raw: Any) -> int | None:
    """The hidden ``version`` field of an edit form (None when missing or not a number)."""
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def api_version(data: dict[str, Any], *, required: bool = True) -> int | None:
    """The version of an API PATCH: ``version`` in the body (taken out of ``data``), else an
    ``If-Match`` header (``"3"``, ``W/"3"`` or ``3``). Neither: 422, as the contract says (or
    None with ``required=False``, for a service that decides itself when it needs one)."""

    sent = data.pop("version", None)
    if sent is not None:
        return int(sent)
    header = (request.headers.get("If-Match") or "").strip().removeprefix("W/").strip('"')
    version = int(header) if header.isdigit() else None
    if required:
        return need_version(version, API_MISSING)
    return version


API_MISSING = "Send the version you edited (or an If-Match header)."
