"""Satisfaction survey results."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import utcnow
from teams_app.extensions import db
from teams_app.models.people import Department


class SatisfactionResult(db.Model):  # type: ignore[name-defined]
    """One survey figure: a metric for a month, organisation-wide or for one department."""

    __tablename__ = "satisfaction_results"
    __table_args__ = (
        # department_key is 0 for organisation-wide, so "the same period, metric and department
        # twice" is one unique constraint on every database (NULLs are never equal).
        UniqueConstraint("period", "metric_key", "department_key"),
        CheckConstraint("score >= 0 AND score <= scale_max", name="score_in_scale"),
        CheckConstraint("scale_max > 0", name="scale_positive"),
        CheckConstraint("respondents >= 0", name="respondents_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # "YYYY-MM"
    metric: Mapped[str] = mapped_column(String(80))
    metric_key: Mapped[str] = mapped_column(String(80), index=True)
    score: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    scale_max: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    respondents: Mapped[int] = mapped_column(default=0)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE")
    )
    department_key: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship()

    @property
    def percent(self) -> float:
        return round(float(self.score) / float(self.scale_max) * 100, 1)
