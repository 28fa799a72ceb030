"""Initiatives: the stage pipeline, initiatives, their stage history and status updates."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import LabelledEnum, enum_check, utcnow
from teams_app.extensions import db
from teams_app.models.people import User
from teams_app.models.teams import Team


class StageKind(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    STOPPED = "stopped"


class Health(LabelledEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


class Stage(db.Model):  # type: ignore[name-defined]
    """One pipeline for the whole organisation; the default stages come from a migration."""

    __tablename__ = "stages"
    __table_args__ = (enum_check("kind", StageKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60), unique=True)
    position: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(10), default=StageKind.OPEN.value)


class Initiative(db.Model):  # type: ignore[name-defined]
    __tablename__ = "initiatives"
    __table_args__ = (
        enum_check("health", Health),
        Index("ix_initiatives_team_id_stage_id", "team_id", "stage_id"),
        # The list's sorts ("recently updated", "newest", "title"), so a page stops early.
        Index("ix_initiatives_last_update_at_id", "last_update_at", "id"),
        Index("ix_initiatives_created_at_id", "created_at", "id"),
        Index("ix_initiatives_title_id", "title", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), index=True)
    stage_entered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    health: Mapped[str] = mapped_column(String(10), default=Health.ON_TRACK.value, index=True)
    target_date: Mapped[date | None] = mapped_column(index=True)
    last_update_at: Mapped[datetime | None]
    # When it goes stale: the last update (or creation) plus the team's update interval.
    # Stored so "stale" is one indexed comparison on every database.
    update_due_at: Mapped[datetime] = mapped_column(index=True)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    team: Mapped[Team] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    stage: Mapped[Stage] = relationship()

    def is_stale(self, now: datetime) -> bool:
        """No update within the team's interval. Only open initiatives go stale: a finished or
        stopped one has nothing left to report. ``stale_at`` is the same rule in SQL."""
        return self.stage.kind == StageKind.OPEN.value and self.update_due_at < now

    def note_needed_to(self, target: Stage) -> str | None:
        """Why a move to ``target`` must say why ("to stop it", "to move it back"), or None:
        moving back or stopping needs a note, moving forward (even skipping stages) does not."""
        if target.kind == StageKind.STOPPED.value:
            return "to stop it"
        if target.position < self.stage.position:
            return "to move it back"
        return None

    @classmethod
    def stale_at(cls, now: datetime) -> ColumnElement[bool]:
        """``is_stale`` as a query condition (the query joins ``Stage``)."""
        return and_(Stage.kind == StageKind.OPEN.value, cls.update_due_at < now)


class StageChange(db.Model):  # type: ignore[name-defined]
    """The stage history; time in each stage and cycle time are computed from it."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text)

    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage] = relationship(foreign_keys=[to_stage_id])
    by: Mapped[User | None] = relationship()


class StatusUpdate(db.Model):  # type: ignore[name-defined]
    __tablename__ = "status_updates"
    __table_args__ = (enum_check("health", Health),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    health: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    previous_health: Mapped[str | None] = mapped_column(String(10))
    previous_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    author: Mapped[User | None] = relationship()
    stage: Mapped[Stage | None] = relationship(foreign_keys=[stage_id])
    previous_stage: Mapped[Stage | None] = relationship(foreign_keys=[previous_stage_id])
