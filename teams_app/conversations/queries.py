"""The read side: a thread in a fixed number of queries (comments with their authors, then
their mentions), whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, func, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, joinedload

from teams_app.extensions import db
from teams_app.models import Comment, CommentMention, Follow, User

THREAD_MAX = 1000  # comments (top-level and replies) loaded for one page of a thread at most
# A thread shows its latest page: this many top-level comments, each with its replies. Pages are
# numbered from the oldest, so a page's number stays right as the thread grows (a link to an
# earlier comment keeps landing on it); a last page shorter than THREAD_LAST_MIN is shown with
# the page before it.
THREAD_PAGE = 50
PAGE_ARG = "comments_page"  # the query argument of an object's page that names a thread page
THREAD_LAST_MIN = 10


@dataclass
class Entry:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass
class Thread:
    """One page of a thread: its entries, oldest first, and where they sit in it."""

    entries: list[Entry]
    followed: bool | None  # the viewer's explicit follow (None: never followed nor unfollowed)
    total: int  # top-level comments in the whole thread
    start: int  # how many top-level comments come before this page
    page: int | None  # the numbered page shown; None for the latest

    @property
    def earlier_page(self) -> int | None:
        """The page before this one (pages are numbered from the oldest), if any."""
        return self.start // THREAD_PAGE if self.start > 0 else None

    @property
    def later_page(self) -> int | None:
        """The numbered page after this one; None when the next one is the latest."""
        if self.page is None or self.page * THREAD_PAGE >= latest_start(self.total):
            return None
        return self.page + 1

    @property
    def has_later(self) -> bool:
        return self.page is not None


def latest_start(total: int) -> int:
    """How many top-level comments come before the latest page of a thread of ``total``."""
    if total <= 0:
        return 0
    start = (total - 1) // THREAD_PAGE * THREAD_PAGE
    if total - start < THREAD_LAST_MIN and start > 0:
        start -= THREAD_PAGE
    return start


def page_of(index: int, total: int) -> int | None:
    """The page that shows the ``index``-th top-level comment (0 is the oldest); None when it
    is on the latest page."""
    return None if index >= latest_start(total) else index // THREAD_PAGE + 1


def thread(kind: str, ident: int, viewer_id: int | None = None, page: int | None = None) -> Thread:
    """The latest page of a thread (or numbered ``page``): top-level comments, oldest first,
    each with its replies (oldest first), and the viewer's explicit follow of (kind, id). One
    query with their authors and mentions (one more only when ``page`` is past the end or on
    the latest page). The follow state rides along as a one-row select the
    page is outer-joined to, so an empty thread still answers it; the count of top-level
    comments comes with each as a window function."""
    if page is not None and page > 0:
        shown = _page(kind, ident, viewer_id, page)
        if shown is not None:
            return shown
    return _page(kind, ident, viewer_id, None) or Thread([], None, 0, 0, None)


@cache
def _thread_statement(newest: bool) -> Select[Any]:
    """The one statement behind a page of any thread (``newest``: the latest page), built once
    per process with bound parameters: building it took longer than running it."""
    state = select(
        select(Follow.active)
        .where(
            Follow.user_id == bindparam("viewer"),
            Follow.target_kind == bindparam("kind"),
            Follow.target_id == bindparam("ident"),
        )
        .scalar_subquery()
        .label("active")
    ).subquery()
    mentioned = aliased(User)
    order = (
        (Comment.created_at.desc(), Comment.id.desc())
        if newest
        else (Comment.created_at, Comment.id)
    )
    window = (
        select(
            Comment.id.label("top_id"),
            func.count().over().label("total"),
            func.row_number().over(order_by=order).label("position"),
        )
        .where(
            Comment.target_kind == bindparam("kind"),
            Comment.target_id == bindparam("ident"),
            Comment.parent_id.is_(None),
        )
        .order_by(*order)
        .limit(bindparam("size", type_=Integer))
        .offset(bindparam("skip", type_=Integer))
        .subquery()
    )
    return (
        select(state.c.active, window.c.total, window.c.position, Comment)
        .select_from(state)
        .outerjoin(window, true())
        .outerjoin(
            Comment, or_(Comment.id == window.c.top_id, Comment.parent_id == window.c.top_id)
        )
        .outerjoin(CommentMention, CommentMention.comment_id == Comment.id)
        .outerjoin(mentioned, mentioned.id == CommentMention.user_id)
        .options(
            joinedload(Comment.author),
            contains_eager(Comment.mentions).contains_eager(CommentMention.user.of_type(mentioned)),
        )
        .order_by(Comment.created_at, Comment.id, CommentMention.id)
        .limit(THREAD_MAX)
    )


def _page(kind: str, ident: int, viewer_id: int | None, page: int | None) -> Thread | None:
    newest = page is None
    params = {
        "viewer": viewer_id or 0,
        "kind": kind,
        "ident": ident,
        "size": THREAD_PAGE + THREAD_LAST_MIN if newest else THREAD_PAGE,
        "skip": 0 if newest else (page or 1) * THREAD_PAGE - THREAD_PAGE,
    }
    result = db.session.execute(_thread_statement(newest), params).unique().all()
    followed = result[0][0] if result else None
    followed = None if followed is None else bool(followed)
    total = int(result[0][1] or 0) if result else 0
    if not newest and (
        total == 0 or (page or 1) * THREAD_PAGE - THREAD_PAGE >= latest_start(total)
    ):
        return None  # past the end, or the latest page: show the latest
    start = latest_start(total) if newest else (page or 1) * THREAD_PAGE - THREAD_PAGE
    # Each row carries the position of its top-level comment (from the newest when showing the
    # latest page, else from the oldest, 1-based): its index from the oldest tells if it shows.
    entries: dict[int, Entry] = {}
    replies: list[Comment] = []
    for _, _, position, c in result:
        if c is None:
            continue
        index = total - position if newest else start + position - 1
        if index < start:
            continue  # the latest page's window fetched a few more than it shows
        if c.parent_id is None:
            entries[c.id] = Entry(c)
        else:
            replies.append(c)
    for c in replies:
        if c.parent_id in entries:
            entries[c.parent_id].replies.append(c)
    return Thread(list(entries.values()), followed, total, start, page if not newest else None)


def position_of(comment: Comment) -> int | None:
    """The page of its thread that shows ``comment`` (a reply shows with its parent); None when
    that is the latest page. One query (two for a reply)."""
    top = comment
    if comment.parent_id is not None:
        top = db.session.get(Comment, comment.parent_id) or comment
    earlier = or_(
        Comment.created_at < top.created_at,
        and_(Comment.created_at == top.created_at, Comment.id < top.id),
    )
    before, total = db.session.execute(
        select(func.count(case((earlier, 1))), func.count()).where(
            Comment.target_kind == top.target_kind,
            Comment.target_id == top.target_id,
            Comment.parent_id.is_(None),
        )
    ).one()
    return page_of(int(before or 0), int(total or 0))


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
