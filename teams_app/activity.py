"""record(): the one way code writes to the activity log."""

from __future__ import annotations

from typing import Any

from teams_app.extensions import db
from teams_app.models import Activity, User


def record(actor: User | None, verb: str, subject: Any, **data: Any) -> Activity:
    """Add an event to the current unit of work; the caller's commit makes it durable."""
    event = Activity(
        actor_id=actor.id if actor is not None else None,
        verb=verb,
        subject_type=type(subject).__name__.lower(),
        subject_id=subject.id,
        data=data,
    )
    db.session.add(event)
    return event
