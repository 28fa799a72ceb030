"""The digest delivery ledger: one row per person and period, claimed before any mail goes out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import LabelledEnum, enum_check, utcnow
from teams_app.extensions import db
from teams_app.models.people import User


class DeliveryStatus(LabelledEnum):
    CLAIMED = "claimed"  # a worker owns it (or did, until its lease ran out)
    SENT = "sent"
    SKIPPED = "skipped"  # nothing to say this period: no mail
    FAILED = "failed"  # every retry failed; admins see the error


class DigestDelivery(db.Model):  # type: ignore[name-defined]
    """Unique per (user, period): the claim that makes a digest go out at most once. Its
    Message-ID is fixed when the row is made, so a resend after a crash is recognisably the same
    message."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "period_key"),
        enum_check("status", DeliveryStatus),
        Index("ix_digest_deliveries_status_claimed_at", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    # Content window: everything after ``since`` and up to ``until`` goes in.
    since: Mapped[datetime]
    until: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.CLAIMED.value)
    message_id: Mapped[str] = mapped_column(String(200))
    # Which job execution holds the claim; a retry of the same job carries the same token.
    claim_token: Mapped[str] = mapped_column(String(40))
    # Set while an attempt is sending: a second execution with the same token backs off.
    sending_since: Mapped[datetime | None]
    item_count: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(index=True)

    user: Mapped[User] = relationship()

    @property
    def is_final(self) -> bool:
        return self.status in (DeliveryStatus.SENT.value, DeliveryStatus.SKIPPED.value)
