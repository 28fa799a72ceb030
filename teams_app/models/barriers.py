"""Barriers to good service and the actions taken against them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import LabelledEnum, enum_check, utcnow
from teams_app.extensions import db
from teams_app.models.initiatives import Initiative
from teams_app.models.people import Department, User
from teams_app.models.teams import Team


class BarrierCategory(LabelledEnum):
    POLICY = "policy"
    PROCESS = "process"
    TECHNOLOGY = "technology"
    COMMUNICATION = "communication"
    STAFFING = "staffing"
    FACILITIES = "facilities"
    OTHER = "other"


class Affects(LabelledEnum):
    CUSTOMERS = "customers"
    STAFF = "staff"
    INTERNAL = "internal", "Internal customers"


class Severity(LabelledEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Higher is worse; sorting by severity uses it."""
        return list(Severity).index(self) + 1


class BarrierSource(LabelledEnum):
    SURVEY = "survey"
    STAFF = "staff", "Staff observation"
    CUSTOMER = "customer", "Customer feedback"
    STORY = "story", "Impact story"


class BarrierStatus(LabelledEnum):
    OPEN = "open"
    ADDRESSING = "addressing"
    REMOVED = "removed"
    ACCEPTED = "accepted"

    @classmethod
    def closed(cls) -> tuple[str, str]:
        return (cls.REMOVED.value, cls.ACCEPTED.value)


class ActionStatus(LabelledEnum):
    PLANNED = "planned"
    DOING = "doing"
    DONE = "done"
    DROPPED = "dropped"

    @classmethod
    def running(cls) -> tuple[str, str]:
        """Actions that make their barrier "addressing"."""
        return (cls.PLANNED.value, cls.DOING.value)


class Barrier(db.Model):  # type: ignore[name-defined]
    __tablename__ = "barriers"
    __table_args__ = (
        enum_check("category", BarrierCategory),
        enum_check("affects", Affects),
        enum_check("severity", Severity),
        enum_check("source", BarrierSource),
        enum_check("status", BarrierStatus),
        Index("ix_barriers_status_reported_at", "status", "reported_at"),
        # The register's sorts, so a page reads the first rows in order and stops.
        Index("ix_barriers_reported_at_id", "reported_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20), index=True)
    affects: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    # Severity as a number (1 low .. 4 critical), so "worst first" is an indexed ORDER BY.
    severity_rank: Mapped[int] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default=BarrierStatus.OPEN.value)
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives.id", ondelete="SET NULL"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)
    # "Me too" supports, kept on the row (like cheers) so the register sorts by it.
    support_count: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    team: Mapped[Team | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def is_closed(self) -> bool:
        return self.status in BarrierStatus.closed()

    def days_to_resolve(self, now: datetime | None = None) -> float:
        """Days from report to resolution, or its age while it is still open."""
        end = self.resolved_at or now or utcnow()
        return round((end - self.reported_at).total_seconds() / 86400, 1)

    def __repr__(self) -> str:
        return f"<Barrier {self.id} {self.title!r} {self.status}>"


# "Most severe first, then oldest": a descending column, so declared once the columns exist.
Index("ix_barriers_severity_order", Barrier.severity_rank.desc(), Barrier.reported_at, Barrier.id)


class Action(db.Model):  # type: ignore[name-defined]
    """Something someone does about a barrier or for an initiative (at least one of the two)."""

    __tablename__ = "actions"
    __table_args__ = (
        enum_check("status", ActionStatus),
        CheckConstraint(
            "barrier_id IS NOT NULL OR initiative_id IS NOT NULL", name="barrier_or_initiative"
        ),
        Index("ix_actions_owner_id_status_due_on", "owner_id", "status", "due_on"),
        # Lists of actions are "due first, undated last": due_on NULLS LAST, id.
        Index("ix_actions_due_on_id", "due_on", "id"),
        Index("ix_actions_owner_id_due_on_id", "owner_id", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    barrier_id: Mapped[int | None] = mapped_column(
        ForeignKey("barriers.id", ondelete="CASCADE"), index=True
    )
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default=ActionStatus.PLANNED.value)
    outcome: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    barrier: Mapped[Barrier | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    @property
    def is_open(self) -> bool:
        return self.status in ActionStatus.running()

    @property
    def team(self) -> Team | None:
        """The team that works on it: the initiative's, else the barrier's."""
        if self.initiative is not None:
            return self.initiative.team
        return self.barrier.team if self.barrier is not None else None

    @property
    def is_frozen(self) -> bool:
        """On a closed barrier with no initiative to carry it: nobody may change it until the
        barrier is reopened (closing a barrier settles each open action, so none stay open)."""
        return self.initiative_id is None and self.barrier is not None and self.barrier.is_closed

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < today

    def __repr__(self) -> str:
        return f"<Action {self.id} {self.status}>"
