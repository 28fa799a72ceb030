"""The rules of conversations: comment (Markdown through the one sanitiser, @mentions of people
who can see the object), reply one level deep, edit within the window (versioned), delete one's
own (a tombstone stays), leadership hides with a reason the author is told; "me too" on barriers.

Web views and the API call these. Each checks the target, then who is asking, then the input;
records activity; writes notifications; queues mail after commit; and commits.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask import has_request_context, url_for
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from teams_app.activity import Verb, record
from teams_app.conversations import queries
from teams_app.conversations.targets import Target, load
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.markdown_text import audit_unsafe_markup, excerpt, unsafe_markup
from teams_app.models import (
    Barrier,
    BarrierSupport,
    Comment,
    CommentMention,
    User,
    utcnow,
)
from teams_app.notifications import services as notes
from teams_app.people.search import matching
from teams_app.permissions import can
from teams_app.queue import mail_person_after_commit
from teams_app.urls import external_url
from teams_app.validation import required_text

BODY_MAX = 5000
REASON_MAX = 2000
SUPPORT_COMMENT_MAX = 1000
# The same text from the same person on the same thread this soon after is a double submit.
DOUBLE_SUBMIT_SECONDS = 30
# "@" at the start or after a space or bracket, then up to four words of a name.
_MENTION = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))@([^\s@][^\n@]{0,120})")
_NAME_CHARS = re.compile(r"[^\w'’.-]+")


class Stale(Conflict):
    """Someone (the author, elsewhere) saved first; ``current`` is what was saved."""

    def __init__(self, current: Comment) -> None:
        super().__init__(
            "This comment changed since you opened it. The saved version is shown; your text "
            "is kept. Save again to replace it.",
            fields={"version": [f"The current version is {current.version}."]},
        )
        self.current = current


def get_comment(comment_id: int, viewer: User | None = None) -> tuple[Comment, Target]:
    """The comment and its target; NotFound when either is unknown or ``viewer`` may not read
    the object it is on."""
    comment = db.session.scalars(
        select(Comment)
        .options(joinedload(Comment.author), selectinload(Comment.mentions))
        .where(Comment.id == comment_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if comment is None:
        raise NotFound("No such comment.")
    try:
        target = load(comment.target_kind, comment.target_id, viewer)
    except NotFound:
        raise NotFound("No such comment.") from None
    return comment, target


def comment_url(comment: Comment, target: Target, external: bool = False) -> str:
    """Where ``comment`` is now: its object's page, at the page of the thread that shows it."""
    page = queries.position_of(comment)
    return target.url(anchor=comment.anchor, external=external, **{queries.PAGE_ARG: page})


def permalink(comment: Comment, external: bool = False) -> str:
    """The comment's own link (``/comments/<id>``), which finds its page of the thread when
    followed: what notifications and mails carry, since a comment's page changes as its thread
    grows."""
    if has_request_context():
        return url_for(
            "conversations.show_comment",
            comment_id=comment.id,
            _anchor=comment.anchor,
            _external=external,
        )
    url = external_url("conversations.show_comment", comment_id=comment.id)
    if not external:
        url = urlsplit(url).path
    return f"{url}#{comment.anchor}"


# --- Mentions -----------------------------------------------------------------------------------


def _candidates(body: str) -> list[list[str]]:
    """For each "@...", the names it may start with: one word, two, up to four."""
    found = []
    for match in _MENTION.finditer(body):
        words = [w for w in _NAME_CHARS.sub(" ", match.group(1)).split(" ")[:4] if w]
        words = [w.strip(".'’-") for w in words]
        found.append(
            [" ".join(words[:n]).lower() for n in range(len(words), 0, -1) if words[n - 1]]
        )
    return found


def resolve_mentions(body: str, target: Target) -> list[User]:
    """The people ``body`` mentions, longest name first for each "@" (one query). An "@word"
    that names nobody stays text; a name shared by several people is refused (say which); a
    person who may not see the object is refused rather than told about it."""
    groups = _candidates(body)
    names = {n for g in groups for n in g}
    if not names:
        return []
    people = list(
        db.session.scalars(
            select(User).where(
                func.lower(User.name).in_(names),
                User.active.is_(True),
                User.password_hash.is_not(None),
            )
        )
    )
    by_name: dict[str, list[User]] = {}
    for person in people:
        by_name.setdefault(person.name.lower(), []).append(person)
    chosen: dict[int, User] = {}
    for group in groups:
        for name in group:  # longest first
            matches = by_name.get(name)
            if not matches:
                continue
            if len(matches) > 1:
                raise InvalidInput.on(
                    "body",
                    f"Several people are called {matches[0].name}: mention them by picking "
                    "from the list, or write to them another way.",
                )
            chosen[matches[0].id] = matches[0]
            break
    blind = [p for p in chosen.values() if not can(p, "read_thread", target)]
    if blind:
        raise InvalidInput.on(
            "body",
            f"{blind[0].name} cannot see this {target.what}, so they cannot be mentioned here.",
        )
    return list(chosen.values())


def mentionable(target: Target, text: str, limit: int = 10) -> list[User]:
    """The typeahead: people whose name contains ``text`` and who can see the object."""

    return [p for p in matching(text, limit=limit) if can(p, "read_thread", target)]


# --- Comment ------------------------------------------------------------------------------------


def _checked_body(body: str | None) -> str:
    text = (body or "").strip()
    if not text:
        raise InvalidInput.on("body", "Write something to post.")
    if len(text) > BODY_MAX:
        raise InvalidInput.on("body", f"Use at most {BODY_MAX} characters.")
    removed = unsafe_markup(text)
    if removed:
        raise InvalidInput.on(
            "body",
            "Comments take Markdown only: remove the HTML (" + ", ".join(removed) + ").",
        )
    return text


def _duplicate(
    actor: User, target: Target, body: str, parent_id: int | None, nonce: str | None
) -> Comment | None:
    if nonce:
        found = db.session.scalar(
            select(Comment).where(Comment.author_id == actor.id, Comment.nonce == nonce)
        )
        if found is not None:
            return found
    since = utcnow() - timedelta(seconds=DOUBLE_SUBMIT_SECONDS)
    return db.session.scalar(
        select(Comment)
        .where(
            Comment.author_id == actor.id,
            Comment.target_kind == target.kind,
            Comment.target_id == target.id,
            Comment.body == body,
            Comment.parent_id.is_(None) if parent_id is None else Comment.parent_id == parent_id,
            Comment.created_at >= since,
            Comment.deleted_at.is_(None),
        )
        .limit(1)
    )


def add_comment(
    actor: User,
    target: Target,
    body: str | None,
    parent_id: int | None = None,
    nonce: str | None = None,
) -> Comment:
    """Post a comment (or a reply to a top-level comment). A closed, declined or hidden object
    is a conflict; a double submit returns the first comment."""
    if not can(actor, "read_thread", target):
        raise NotFound(f"No such {target.what}.")
    if not can(actor, "comment", target):
        raise Conflict(f"This {target.what} is closed: its conversation is read-only.")
    text = _checked_body(body)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or (parent.target_kind, parent.target_id) != target.key:
            raise InvalidInput.on("parent_id", "Reply to a comment in this conversation.")
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)  # one level: join its thread
            assert parent is not None
        if parent.deleted_at is not None or parent.hidden_at is not None:
            raise Conflict("That comment is gone: reply to the conversation instead.")
    nonce = (nonce or "").strip()[:40] or None
    found = _duplicate(actor, target, text, parent.id if parent else None, nonce)
    if found is not None:
        return found
    mentioned = resolve_mentions(text, target)
    comment = Comment(
        target_kind=target.kind,
        target_id=target.id,
        parent_id=parent.id if parent else None,
        author_id=actor.id,
        body=text,
        nonce=nonce,
    )
    comment.mentions = [CommentMention(user_id=p.id) for p in mentioned]
    db.session.add(comment)
    try:
        db.session.flush()
    except IntegrityError:  # the same form's nonce raced in: the first one stands
        db.session.rollback()
        again = _duplicate(actor, target, text, parent.id if parent else None, nonce)
        if again is None:
            raise
        return again
    record(
        actor,
        Verb.COMMENTED,
        comment,
        team=target.team,
        kind=target.kind,
        target_id=target.id,
        title=target.title,
        excerpt=excerpt(text, 140),
        reply=parent is not None,
    )
    _notify_comment(actor, target, comment, parent, mentioned)
    db.session.commit()
    audit_unsafe_markup(comment, "body", text)
    return get_comment(comment.id)[0]


def _notify_comment(
    actor: User,
    target: Target,
    comment: Comment,
    parent: Comment | None,
    mentioned: list[User],
) -> None:
    url = permalink(comment)
    key = f"comment:{comment.id}"
    who = actor.name
    told: set[int] = set()
    made = notes.notify(
        [p.id for p in mentioned],
        "mention",
        f"{who} mentioned you on “{target.title}”",
        url,
        key,
        actor_id=actor.id,
        comment_id=comment.id,
    )
    told |= {n.user_id for n in made}
    if parent is not None and parent.author_id and parent.author_id not in told:
        made = notes.notify(
            [parent.author_id],
            "reply",
            f"{who} replied to your comment on “{target.title}”",
            url,
            key,
            actor_id=actor.id,
            comment_id=comment.id,
        )
        told |= {n.user_id for n in made}
    audience: set[int] = set()
    if target.follows is not None:
        audience = notes.followers(*target.follows)
    elif target.kind == "stories" and target.obj.author_id:
        audience = {target.obj.author_id}
    audience = {uid for uid in audience - told if uid != actor.id and _reads(uid, target)}
    notes.notify(
        audience,
        "comment",
        f"{who} commented on “{target.title}”",
        url,
        key,
        actor_id=actor.id,
        comment_id=comment.id,
    )


def _reads(user_id: int, target: Target) -> bool:
    if target.kind != "stories":
        return True
    person = db.session.get(User, user_id)
    return person is not None and can(person, "read_thread", target)


def _commit(comment: Comment, *, flush_only: bool = False) -> None:
    try:
        if flush_only:
            db.session.flush()
        else:
            db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Stale(get_comment(comment.id)[0]) from None


def edit_comment(
    actor: User, comment: Comment, target: Target, body: str | None, version: int | None
) -> Comment:
    """The author edits within the window; a stale version is refused and shows the saved one."""
    if not can(actor, "edit_comment", comment):
        if comment.author_id == actor.id and not (comment.deleted_at or comment.hidden_at):
            raise Conflict("The time to edit this comment is over: post a new one instead.")
        raise NotAllowed("Only its author can edit a comment, for a short while after posting.")
    if version is None:
        raise InvalidInput.on("version", "Send the version you edited.")
    text = _checked_body(body)
    if version != comment.version:
        raise Stale(comment)
    mentioned = resolve_mentions(text, target)
    before = {m.user_id for m in comment.mentions}
    comment.body, comment.edited_at = text, utcnow()
    comment.mentions = [m for m in comment.mentions if m.user_id in {p.id for p in mentioned}] + [
        CommentMention(user_id=p.id) for p in mentioned if p.id not in before
    ]
    _commit(comment, flush_only=True)
    new = [p.id for p in mentioned if p.id not in before]
    if new:
        notes.notify(
            new,
            "mention",
            f"{actor.name} mentioned you on “{target.title}”",
            permalink(comment),
            f"comment:{comment.id}",
            actor_id=actor.id,
            comment_id=comment.id,
        )
    _commit(comment)
    return get_comment(comment.id)[0]


def delete_comment(actor: User, comment: Comment, target: Target) -> Comment:
    """The author deletes their comment: the text goes, "comment deleted" stays in the thread
    (replies keep their place)."""
    if not can(actor, "delete_comment", comment):
        if comment.deleted_at is not None:
            raise Conflict("This comment is already deleted.")
        raise NotAllowed("Only its author can delete a comment.")
    comment.deleted_at = utcnow()
    comment.body = ""
    comment.mentions = []
    record(
        actor, Verb.DELETED_COMMENT, comment, team=target.team, kind=target.kind, title=target.title
    )
    _commit(comment)
    return comment


def hide_comment(actor: User, comment: Comment, target: Target, reason: str | None) -> Comment:
    """Leadership hides a comment with a reason; the author is told by mail."""

    if not can(actor, "hide_comment", comment):
        raise NotAllowed("Only leadership can hide a comment.")
    if comment.deleted_at is not None:
        raise Conflict("This comment is deleted.")
    if comment.hidden_at is not None:
        raise Conflict("This comment is already hidden.")
    why = required_text("reason", reason, REASON_MAX, "Say why the comment is hidden.")
    comment.hidden_at, comment.hidden_reason, comment.hidden_by_id = utcnow(), why, actor.id
    event = record(
        actor,
        Verb.HID_COMMENT,
        comment,
        team=target.team,
        kind=target.kind,
        title=target.title,
        reason=why,
        url=permalink(comment, external=True),
    )
    _commit(comment, flush_only=True)
    mail_person_after_commit("jobs.conversations.comment_hidden", event, comment.author, actor)
    _commit(comment)
    return comment


# --- "Me too" -----------------------------------------------------------------------------------


def support_count(barrier_id: int) -> int:
    return int(
        db.session.scalar(select(Barrier.support_count).where(Barrier.id == barrier_id)) or 0
    )


def supported_by(user: User, barrier_ids: list[int]) -> set[int]:
    if not barrier_ids:
        return set()
    return set(
        db.session.scalars(
            select(BarrierSupport.barrier_id).where(
                BarrierSupport.user_id == user.id, BarrierSupport.barrier_id.in_(barrier_ids)
            )
        )
    )


def support(actor: User, barrier: Barrier, comment: str | None = None) -> int:
    """ "Me too" on an open barrier: once per person, optionally with a comment (posted to the
    barrier's conversation). Returns the new count. The count moves with
    ``support_count = support_count + 1`` and does not change the barrier's version."""
    if barrier.is_closed:
        raise Conflict("This barrier is closed: it cannot take more support.")
    if not can(actor, "support_barrier", barrier):
        raise NotAllowed("You cannot support this barrier.")
    already = db.session.scalar(
        select(
            exists().where(
                BarrierSupport.barrier_id == barrier.id, BarrierSupport.user_id == actor.id
            )
        )
    )
    if already:
        raise Conflict("You already said “me too” on this barrier.")
    text = (comment or "").strip()
    if len(text) > SUPPORT_COMMENT_MAX:
        raise InvalidInput.on("comment", f"Use at most {SUPPORT_COMMENT_MAX} characters.")
    if text:
        unsafe = unsafe_markup(text)
        if unsafe:
            raise InvalidInput.on("comment", "Markdown only: remove the HTML.")
    target = load("barriers", barrier.id)
    if text:
        resolve_mentions(text, target)  # refuse before anything is written
    row = BarrierSupport(barrier_id=barrier.id, user_id=actor.id)
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("You already said “me too” on this barrier.") from None
    table = Barrier.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == barrier.id)
        .values(support_count=table.c.support_count + 1)
    )
    record(
        actor,
        Verb.SUPPORTED_BARRIER,
        barrier,
        team=barrier.team,
        title=barrier.title,
        barrier_id=barrier.id,
        comment=excerpt(text, 140) if text else None,
    )
    if text:
        posted = add_comment(actor, target, text)  # commits the support with it
        db.session.execute(
            update(BarrierSupport)
            .where(BarrierSupport.barrier_id == barrier.id, BarrierSupport.user_id == actor.id)
            .values(comment_id=posted.id)
        )
    else:
        notes.notify(
            notes.followers("barriers", barrier.id),
            "comment",
            f"{actor.name} said “me too” on “{barrier.title}”",
            target.url(),
            f"support:{barrier.id}:{actor.id}:{utcnow().timestamp():.0f}",
            actor_id=actor.id,
        )
    db.session.commit()
    return support_count(barrier.id)


def unsupport(actor: User, barrier: Barrier) -> int:
    """Take a "me too" back. Returns the new count."""
    result = db.session.execute(
        delete(BarrierSupport).where(
            BarrierSupport.barrier_id == barrier.id, BarrierSupport.user_id == actor.id
        )
    )
    if not getattr(result, "rowcount", 0):
        db.session.rollback()
        raise Conflict("You have not said “me too” on this barrier.")
    table = Barrier.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == barrier.id, table.c.support_count > 0)
        .values(support_count=table.c.support_count - 1)
    )
    record(actor, Verb.UNSUPPORTED_BARRIER, barrier, team=barrier.team, title=barrier.title)
    db.session.commit()
    return support_count(barrier.id)
