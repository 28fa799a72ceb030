"""The transactional outbox, the once-only ledger for notices, and the readiness heartbeat.

An ``OutboxJob`` row is written in the same transaction as the change that causes the job, so a
job can never be lost between the commit and Redis: if the push after the commit fails, or Redis
loses the queued job, the sweeper pushes the row again. The job marks its row done itself.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from teams_app.database import LabelledEnum, enum_check, utcnow
from teams_app.extensions import db


class OutboxStatus(LabelledEnum):
    PENDING = "pending"  # committed, waiting for a worker (queued, or to be pushed again)
    RUNNING = "running"  # a worker claimed it; a claim older than the lease was abandoned
    DONE = "done"
    FAILED = "failed"  # every try failed; an admin can resend it


class OutboxJob(db.Model):  # type: ignore[name-defined]
    """One job to run once: ``func(*args, **kwargs)`` on ``queue``. ``key`` is the idempotency
    key: the same key can only be written once."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        enum_check("status", OutboxStatus),
        Index("ix_outbox_jobs_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    func: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    queue: Mapped[str] = mapped_column(String(40), default="default")
    # Pauses (seconds) between RQ's retries of one push; empty: one try per push.
    retry_intervals: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    pushes: Mapped[int] = mapped_column(default=0)
    # Which execution holds the claim while running, and since when (the lease).
    claim_token: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    resent_at: Mapped[datetime | None]
    resent_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    @property
    def rq_job_id(self) -> str:
        return rq_job_id(self.id)

    @property
    def label(self) -> str:
        """What the job does, in words, for the operations page."""
        return JOB_LABELS.get(self.func, self.func)


def rq_job_id(outbox_id: int) -> str:
    """The RQ job id of a row: pushing a row twice queues the same job id."""
    return f"outbox-{outbox_id}"


JOB_LABELS = {
    "jobs.mail.send_invitation": "Invitation mail",
    "jobs.mail.send_signup_link": "Sign-up link mail",
    "jobs.mail.send_signup_notice": "Sign-up notice mail",
    "jobs.mail.send_password_reset_to": "Password reset mail",
    "jobs.mail.send_password_reset": "Password reset mail",
    "jobs.notify.team_event": "Team notice",
    "jobs.notify.barrier_resolved": "“You said, we did” mail",
    "jobs.notify.story_hidden": "Hidden story notice",
    "jobs.conversations.mail_notification": "Notification mail",
    "jobs.conversations.comment_hidden": "Hidden comment notice",
    "jobs.conversations.fan_out": "Notifications of a change",
}


class NoticeStatus(enum.StrEnum):
    SENDING = "sending"  # claimed before the mail goes out
    SENT = "sent"


class NoticeDelivery(db.Model):  # type: ignore[name-defined]
    """Unique per (notice, person): a notice retried after a partial SMTP failure skips the
    people it already reached. Like the digest ledger, the row is claimed before the mail goes
    out and fixes its Message-ID."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_key", "user_id"),
        enum_check("status", NoticeStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_key: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=NoticeStatus.SENDING.value)
    message_id: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]


class Heartbeat(db.Model):  # type: ignore[name-defined]
    """A row ``/readyz`` writes to prove the database accepts writes (disk not full, not a
    read-only replica)."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)
