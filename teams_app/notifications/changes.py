"""Changes to what people follow, and decisions on their proposals and requests, become
notifications without the services that make them knowing: every committed activity with one of
the verbs below queues one ``jobs.conversations.fan_out`` job (in the same transaction, through
the outbox), which tells the followers (or the proposer, or the requester)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from teams_app.models import Activity
from teams_app.queue import enqueue_after_commit

# verb -> (what is followed, notification kind). Decisions go to one person, not followers.
CHANGE_VERBS: dict[str, tuple[str, str]] = {
    "resolved_barrier": ("barriers", "change"),
    "reopened_barrier": ("barriers", "change"),
    "linked_barrier": ("barriers", "change"),
    "moved_initiative": ("initiatives", "change"),
    "posted_update": ("initiatives", "change"),
    "closed": ("teams", "change"),
    "chartered": ("teams", "decision"),
    "declined": ("teams", "decision"),
    "accepted_request": ("teams", "decision"),
    "declined_request": ("teams", "decision"),
}
# Events that already mail the people they concern (jobs.notify): the inbox row is enough.
MAILED_ELSEWHERE = {
    "chartered",
    "declined",
    "accepted_request",
    "declined_request",
    "closed",
    "resolved_barrier",
}
_KEY = "notifications_new_activities"


def _collect(session: Session, _ctx: Any, _instances: Any = None) -> None:
    found = [obj for obj in session.new if isinstance(obj, Activity) and obj.verb in CHANGE_VERBS]
    if found:
        session.info.setdefault(_KEY, []).extend(found)


def _queue(session: Session, _ctx: Any) -> None:

    pending = session.info.pop(_KEY, [])
    for activity in pending:
        enqueue_after_commit(
            "jobs.conversations.fan_out", activity.id, key=f"fan_out:{activity.id}"
        )


def _forget(session: Session, _transaction: Any = None) -> None:
    session.info.pop(_KEY, None)


def init_app(_app: Any) -> None:
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_flush_postexec", _queue)
        event.listen(Session, "after_soft_rollback", _forget)
