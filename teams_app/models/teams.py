"""Mission teams and their memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import LabelledEnum, enum_check, utcnow
from teams_app.extensions import db
from teams_app.models.people import User


class TeamStatus(LabelledEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    CLOSED = "closed"


class MemberRole(enum.StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class MemberState(enum.StrEnum):
    """requested -> active or declined; active -> left or removed."""

    REQUESTED = "requested"
    ACTIVE = "active"
    DECLINED = "declined"
    LEFT = "left"
    REMOVED = "removed"


class Team(db.Model):  # type: ignore[name-defined]
    __tablename__ = "teams"
    __table_args__ = (
        enum_check("status", TeamStatus),
        CheckConstraint("max_members IS NULL OR max_members >= 2", name="max_members_min"),
        CheckConstraint("update_interval_days BETWEEN 1 AND 365", name="update_interval_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    problem: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=TeamStatus.PROPOSED.value, index=True)
    open_to_join: Mapped[bool] = mapped_column(default=True)
    max_members: Mapped[int | None]
    # An initiative with no status update for longer than this is stale.
    update_interval_days: Mapped[int] = mapped_column(default=14, server_default="14")
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    charter_note: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    closing_summary: Mapped[str | None] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    chartered_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    sponsor: Mapped[User | None] = relationship(foreign_keys=[sponsor_id])
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="Membership.id"
    )

    @property
    def is_active(self) -> bool:
        return self.status == TeamStatus.ACTIVE.value

    @property
    def is_open_for_changes(self) -> bool:
        """Proposed and active teams can be edited; declined and closed ones are read-only."""
        return self.status in (TeamStatus.PROPOSED.value, TeamStatus.ACTIVE.value)

    def active_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.state == MemberState.ACTIVE.value]

    def membership_of(self, user_id: int | None) -> Membership | None:
        return next((m for m in self.memberships if m.user_id == user_id), None)

    def lead_ids(self) -> set[int]:
        return {m.user_id for m in self.active_memberships() if m.role == MemberRole.LEAD.value}

    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.active_memberships()}

    @property
    def is_full(self) -> bool:
        return self.max_members is not None and len(self.active_memberships()) >= self.max_members

    def __repr__(self) -> str:
        return f"<Team {self.name!r} {self.status}>"


class Membership(db.Model):  # type: ignore[name-defined]
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id"),
        enum_check("role", MemberRole),
        enum_check("state", MemberState),
        Index("ix_memberships_team_id_state", "team_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=MemberRole.MEMBER.value)
    state: Mapped[str] = mapped_column(String(10), default=MemberState.ACTIVE.value)
    message: Mapped[str | None] = mapped_column(String(500))
    requested_at: Mapped[datetime | None]
    joined_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def is_lead(self) -> bool:
        return self.role == MemberRole.LEAD.value and self.state == MemberState.ACTIVE.value
