"""Follows (a person keeps up with a team, an initiative or a barrier), the inbox of
notifications, and per-kind delivery preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import utcnow
from teams_app.extensions import db
from teams_app.models.people import User, enum_check


class FollowKind(enum.StrEnum):
    TEAMS = "teams"
    INITIATIVES = "initiatives"
    BARRIERS = "barriers"


class NotificationKind(enum.StrEnum):
    MENTION = "mention"
    REPLY = "reply"
    COMMENT = "comment"  # a comment on something you follow
    CHANGE = "change"  # a change to something you follow
    DECISION = "decision"  # a decision on your proposal or request

    @property
    def label(self) -> str:
        return {
            "mention": "Someone mentions you",
            "reply": "A reply to your comment",
            "comment": "A comment on something you follow",
            "change": "A change to something you follow",
            "decision": "A decision on your proposal or request",
        }[self.value]


class Delivery(enum.StrEnum):
    INBOX = "inbox"  # the inbox only
    MAIL = "mail"  # the inbox and a mail at once
    DIGEST = "digest"  # the inbox and the next digest

    @property
    def label(self) -> str:
        return {
            "inbox": "Inbox only",
            "mail": "Inbox and mail at once",
            "digest": "Inbox and my digest",
        }[self.value]


# What a person gets before they choose.
DEFAULT_DELIVERY = {
    NotificationKind.MENTION.value: Delivery.MAIL.value,
    NotificationKind.REPLY.value: Delivery.MAIL.value,
    NotificationKind.COMMENT.value: Delivery.DIGEST.value,
    NotificationKind.CHANGE.value: Delivery.DIGEST.value,
    NotificationKind.DECISION.value: Delivery.MAIL.value,
}


class Follow(db.Model):  # type: ignore[name-defined]
    __tablename__ = "follows"
    __table_args__ = (
        enum_check("target_kind", FollowKind),
        UniqueConstraint("user_id", "target_kind", "target_id"),
        Index("ix_follows_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[int]
    # False once the person unfollows: an automatic follow (membership, reporting) must not
    # come back by itself.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Notification(db.Model):  # type: ignore[name-defined]
    __tablename__ = "notifications"
    __table_args__ = (
        enum_check("kind", NotificationKind),
        # The header's unread count: one index range, whatever the inbox holds.
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        # The inbox, newest first.
        Index("ix_notifications_user_id_created_at_id", "user_id", "created_at", "id"),
        # One notification per person and event (a job run twice adds nothing).
        UniqueConstraint("user_id", "event_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(300))
    event_key: Mapped[str] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    delivery: Mapped[str] = mapped_column(String(8), default=Delivery.INBOX.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    @property
    def read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(db.Model):  # type: ignore[name-defined]
    __tablename__ = "notification_preferences"
    __table_args__ = (
        enum_check("kind", NotificationKind),
        enum_check("delivery", Delivery),
        UniqueConstraint("user_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    delivery: Mapped[str] = mapped_column(String(8))
