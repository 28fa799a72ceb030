"""Mail for conversations: a notification someone asked to get at once (with the thread and a
reply link), a hidden comment's author told why, and the fan-out of changes to what people
follow. Each mail goes through ``send_once``, the notice ledger: run twice, it mails once."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from jobs.notify import Notice, addressee, send_once
from teams_app.activity import Verb, describe
from teams_app.conversations.targets import load
from teams_app.errors import NotFound
from teams_app.extensions import db
from teams_app.markdown_text import excerpt
from teams_app.models import Activity, Comment, Notification, Team, User
from teams_app.notifications import services as notes
from teams_app.notifications.changes import CHANGE_VERBS, MAILED_ELSEWHERE

THREAD_IN_MAIL = 6  # comments of the thread shown in the mail, the newest last


def _absolute(path: str) -> str:

    if path.startswith("http"):
        return path
    return str(current_app.config.get("BASE_URL") or "http://localhost").rstrip("/") + path


def _thread_lines(comment: Comment) -> list[dict[str, str]]:
    """The comment in its thread: its top-level comment and the latest replies, as text."""
    top_id = comment.parent_id or comment.id
    rows = list(
        db.session.scalars(
            select(Comment)
            .where(
                Comment.target_kind == comment.target_kind,
                Comment.target_id == comment.target_id,
                (Comment.id == top_id) | (Comment.parent_id == top_id),
            )
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(THREAD_IN_MAIL)
        )
    )
    lines = []
    for c in reversed(rows):
        if c.deleted_at:
            text = "Comment deleted."
        elif c.hidden_at:
            text = "Hidden by leadership."
        else:
            text = excerpt(c.body, 400)
        lines.append(
            {
                "who": c.author.name if c.author else "A former colleague",
                "text": text,
                "this": "yes" if c.id == comment.id else "",
            }
        )
    return lines


def mail_notification(notification_id: int) -> int:
    """Mail one notification to its person (those who chose "inbox and mail at once")."""
    n = db.session.get(Notification, notification_id)
    if n is None:
        return 0
    person = db.session.get(User, n.user_id)
    if person is None or not person.active or person.is_pending:
        return 0
    comment = db.session.get(Comment, n.comment_id) if n.comment_id else None
    thread = _thread_lines(comment) if comment is not None else []
    url = _absolute(n.url)
    notice = Notice(n.text, n.text, "", "Open the conversation and reply")
    return int(
        send_once(
            f"notification:{n.id}",
            person,
            n.text,
            template="conversation_notice",
            user=person,
            notice=notice,
            thread=thread,
            url=url,
        )
    )


def comment_hidden(activity_id: int) -> int:
    """Tell a comment's author that leadership hid it, and why."""
    found = addressee(activity_id, Verb.HID_COMMENT, Comment, lambda c: c.author)
    if found is None:
        return 0
    event, _comment, author = found
    data = event.data or {}
    who = event.actor.name if event.actor else "Leadership"
    title = data.get("title", "")
    notice = Notice(
        f"Your comment was hidden: {title}",
        f"Your comment on “{title}” was hidden.",
        f"{who} gave this reason: {data.get('reason', '')}\n\nYou can still read it on the page.",
        "Open the conversation",
    )
    url = _absolute(str(data.get("url") or "/"))
    return int(
        send_once(
            f"comment_hidden:{event.id}",
            author,
            notice.subject,
            user=author,
            notice=notice,
            url=url,
        )
    )


def fan_out(activity_id: int) -> int:
    """Notify the followers of what changed (or the person a decision is for). Idempotent:
    the notification's event key is the activity. Returns how many were told."""

    event = db.session.get(Activity, activity_id)
    if event is None or event.verb not in CHANGE_VERBS:
        return 0
    follow_kind, kind = CHANGE_VERBS[event.verb]
    try:
        target = load(follow_kind, event.subject_id)
    except NotFound:
        return 0
    who = event.actor.name if event.actor else "Someone"
    sentence = describe(event)
    text = f"{who} {sentence}" + (f": {target.title}" if follow_kind == "teams" else "")
    data = event.data or {}
    if kind == "decision":
        team = target.obj
        assert isinstance(team, Team)
        if event.verb in ("chartered", "declined"):
            people = {team.proposed_by_id} if team.proposed_by_id else set()
        else:
            people = {int(data["user_id"])} if data.get("user_id") else set()
    else:
        people = notes.followers(follow_kind, target.id)
    made = notes.notify(
        people,
        kind,
        text,
        target.url(),
        f"activity:{event.id}",
        actor_id=event.actor_id,
        mailed_elsewhere=event.verb in MAILED_ELSEWHERE,
    )
    db.session.commit()
    return len(made)
