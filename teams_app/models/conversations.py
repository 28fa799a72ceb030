"""Comments on anything people work on (a generic target: kind + id), their @mentions, and
"me too" supports on barriers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import utcnow
from teams_app.extensions import db
from teams_app.models.people import User, enum_check


class TargetKind(enum.StrEnum):
    """What a comment (or a follow) is about: the API's path segment names them."""

    INITIATIVES = "initiatives"
    UPDATES = "updates"
    BARRIERS = "barriers"
    ACTIONS = "actions"
    STORIES = "stories"
    TEAMS = "teams"


class Comment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "comments"
    __table_args__ = (
        enum_check("target_kind", TargetKind),
        # A thread, oldest first: one index range.
        Index("ix_comments_target", "target_kind", "target_id", "created_at", "id"),
        # A double submit of one form makes one comment (the form's nonce).
        UniqueConstraint("author_id", "nonce"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[int]
    # One level of replies: a reply's parent is always a top-level comment.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    mentions: Mapped[list[CommentMention]] = relationship(
        back_populates="comment", cascade="all, delete-orphan", order_by="CommentMention.id"
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def anchor(self) -> str:
        return f"comment-{self.id}"

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.target_kind}/{self.target_id}>"


class CommentMention(db.Model):  # type: ignore[name-defined]
    __tablename__ = "comment_mentions"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    comment: Mapped[Comment] = relationship(back_populates="mentions")
    user: Mapped[User] = relationship()


class BarrierSupport(db.Model):  # type: ignore[name-defined]
    """ "Me too": one per person and barrier; ``Barrier.support_count`` moves with it."""

    __tablename__ = "barrier_supports"
    __table_args__ = (UniqueConstraint("barrier_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    barrier_id: Mapped[int] = mapped_column(ForeignKey("barriers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
