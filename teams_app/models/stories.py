"""Impact stories with their cheers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import LabelledEnum, enum_check, utcnow
from teams_app.extensions import db
from teams_app.models.barriers import Barrier
from teams_app.models.initiatives import Initiative
from teams_app.models.people import Department, User


class StoryKind(LabelledEnum):
    WIN = "win"
    RECOVERY = "recovery", "Service recovery"
    FAILURE = "failure", "Failure to learn from"


class ImpactStory(db.Model):  # type: ignore[name-defined]
    __tablename__ = "impact_stories"
    __table_args__ = (
        enum_check("kind", StoryKind),
        # One Story of the Month per month.
        UniqueConstraint("featured_month"),
        Index("ix_impact_stories_hidden_occurred_on", "hidden", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    occurred_on: Mapped[date] = mapped_column(index=True)
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives.id", ondelete="SET NULL"), index=True
    )
    barrier_id: Mapped[int | None] = mapped_column(
        ForeignKey("barriers.id", ondelete="SET NULL"), index=True
    )
    # The author confirmed it holds no customer names or identifying details.
    no_personal_details: Mapped[bool] = mapped_column(default=False)
    # "YYYY-MM" when it is that month's Impact Story of the Month.
    featured_month: Mapped[str | None] = mapped_column(String(7))
    featured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime | None]
    # Kept on the row so feeds sort and show counts without counting cheers per story.
    cheer_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    department: Mapped[Department | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
    barrier: Mapped[Barrier | None] = relationship()

    def __repr__(self) -> str:
        return f"<ImpactStory {self.id} {self.title!r}>"


class Cheer(db.Model):  # type: ignore[name-defined]
    __tablename__ = "cheers"
    __table_args__ = (UniqueConstraint("story_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("impact_stories.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
