"""The read side: a thread in a fixed number of queries (comments with their authors, then
their mentions), whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from teams_app.extensions import db
from teams_app.models import Comment, CommentMention, Follow

THREAD_MAX = 1000  # a thread page shows this many top-level comments and replies at most


@dataclass
class Entry:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def thread(kind: str, ident: int, viewer_id: int | None = None) -> tuple[list[Entry], bool | None]:
    """Top-level comments, oldest first, each with its replies (oldest first), and the viewer's
    explicit follow of (kind, id) (None when they never followed nor unfollowed it): one query
    (plus one for mentions when there are comments). The follow state rides along as a one-row
    select the comments are outer-joined to, so an empty thread still answers it."""

    state = select(
        select(Follow.active)
        .where(
            Follow.user_id == (viewer_id or 0),
            Follow.target_kind == kind,
            Follow.target_id == ident,
        )
        .scalar_subquery()
        .label("active")
    ).subquery()
    stmt = (
        select(state.c.active, Comment)
        .select_from(state)
        .outerjoin(Comment, and_(Comment.target_kind == kind, Comment.target_id == ident))
        .options(
            joinedload(Comment.author),
            selectinload(Comment.mentions).joinedload(CommentMention.user),
        )
        .order_by(Comment.created_at, Comment.id)
        .limit(THREAD_MAX)
    )
    result = db.session.execute(stmt).unique().all()
    followed = result[0][0] if result else None
    rows = [row[1] for row in result if row[1] is not None]
    entries: dict[int, Entry] = {}
    for c in rows:
        if c.parent_id is None:
            entries[c.id] = Entry(c)
    for c in rows:
        if c.parent_id is not None and c.parent_id in entries:
            entries[c.parent_id].replies.append(c)
    return list(entries.values()), (None if followed is None else bool(followed))


def counts(kind: str, ids: list[int]) -> dict[int, int]:
    """Comments per object (links such as "3 comments" on a list): one GROUP BY."""
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Comment.target_id, func.count(Comment.id))
            .where(
                Comment.target_kind == kind,
                Comment.target_id.in_(ids),
                Comment.deleted_at.is_(None),
            )
            .group_by(Comment.target_id)
        ).all()
    )
