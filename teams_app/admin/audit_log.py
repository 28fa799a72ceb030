"""Reading the security audit log: recent events, filtered, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from teams_app.audit import EVENTS
from teams_app.dates import parse_date
from teams_app.extensions import db
from teams_app.input_guard import parse_id
from teams_app.models import AuditEvent, User


@dataclass
class AuditFilter:
    event: str = ""  # one event ("auth.sign_in") or a family ("auth.")
    who: str = ""  # part of the actor's email or name
    ip: str = ""
    object_type: str = ""
    object_id: int | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args: Any) -> AuditFilter:

        event = args.get("event", "").strip()
        return cls(
            event=event if event in EVENTS or event in families() else "",
            who=args.get("who", "").strip()[:100],
            ip=args.get("ip", "").strip()[:45],
            object_type=args.get("object_type", "").strip()[:40],
            object_id=args.get("object_id", type=parse_id),
            since=parse_date(args.get("since")),
            until=parse_date(args.get("until")),
        )

    @property
    def active(self) -> bool:
        return any(
            (
                self.event,
                self.who,
                self.ip,
                self.object_type,
                self.object_id,
                self.since,
                self.until,
            )
        )


def families() -> list[str]:
    """Event families for the filter ("auth.", "user.", ...), in the order EVENTS names them."""
    return list(dict.fromkeys(name.split(".")[0] + "." for name in EVENTS))


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def events_query(f: AuditFilter) -> Select[tuple[AuditEvent]]:
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if f.event.endswith("."):
        stmt = stmt.where(AuditEvent.event.startswith(f.event, autoescape=True))
    elif f.event:
        stmt = stmt.where(AuditEvent.event == f.event)
    if f.who:
        people = select(User.id).where(
            or_(
                User.name.icontains(f.who, autoescape=True),
                User.email.icontains(f.who, autoescape=True),
            )
        )
        stmt = stmt.where(
            or_(
                AuditEvent.actor_id.in_(people),
                AuditEvent.actor_label.icontains(f.who, autoescape=True),
                (AuditEvent.object_type == "user") & AuditEvent.object_id.in_(people),
            )
        )
    if f.ip:
        stmt = stmt.where(AuditEvent.ip == f.ip)
    if f.object_type:
        stmt = stmt.where(AuditEvent.object_type == f.object_type)
    if f.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == f.object_id)
    if f.since:
        stmt = stmt.where(AuditEvent.at >= _start(f.since))
    if f.until:
        stmt = stmt.where(AuditEvent.at < _start(f.until) + timedelta(days=1))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def user_names(events: list[AuditEvent]) -> dict[int, str]:
    """Names of the people the events are about, in one query, for the Object column."""
    ids = {e.object_id for e in events if e.object_type == "user" and e.object_id is not None}
    if not ids:
        return {}

    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}
