"""Follow and unfollow; who follows what (explicit rows plus the automatic followers: a team's
members follow the team and its initiatives, a barrier's reporter and its team follow it);
``notify`` writes inbox rows and queues the mail for people who asked for it; marking read;
preferences.

An automatic follow is not stored: it is worked out from memberships and reports when someone is
to be told. Unfollowing stores a row with ``active=False``, which beats the automatic rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from teams_app.conversations.targets import load_objects
from teams_app.errors import InvalidInput, NotFound
from teams_app.extensions import db
from teams_app.models import (
    DEFAULT_DELIVERY,
    Barrier,
    Delivery,
    Follow,
    FollowKind,
    Initiative,
    Membership,
    MemberState,
    Notification,
    NotificationKind,
    NotificationPreference,
    Team,
    User,
    utcnow,
)
from teams_app.queue import enqueue_mail_after_commit

UNREAD_CAP = 99  # the header shows "99+" beyond this
FOLLOW_KINDS = tuple(k.value for k in FollowKind)


# --- Follows ------------------------------------------------------------------------------------


def follow_target(kind: str, ident: int) -> object:
    """The object a follow points at (404 for an unknown kind or id)."""
    model = {"teams": Team, "initiatives": Initiative, "barriers": Barrier}.get(kind)
    obj = db.session.get(model, ident) if model is not None else None
    if obj is None:
        raise NotFound("Nothing to follow there.")
    return obj


def _auto_followers(kind: str, ident: int) -> set[int]:
    """Who follows without asking: the team's active members (teams, initiatives, barriers with
    a team), a barrier's reporter, an initiative's owner. One query."""
    members = select(Membership.user_id).where(Membership.state == MemberState.ACTIVE.value)
    if kind == "teams":
        return set(db.session.scalars(members.where(Membership.team_id == ident)))
    if kind == "initiatives":
        row = db.session.execute(
            select(Initiative.team_id, Initiative.owner_id).where(Initiative.id == ident)
        ).first()
        if row is None:
            return set()
        found = set(db.session.scalars(members.where(Membership.team_id == row.team_id)))
        return found | ({row.owner_id} if row.owner_id else set())
    if kind == "barriers":
        brow = db.session.execute(
            select(Barrier.team_id, Barrier.reported_by_id).where(Barrier.id == ident)
        ).first()
        if brow is None:
            return set()
        found = (
            set(db.session.scalars(members.where(Membership.team_id == brow.team_id)))
            if brow.team_id
            else set()
        )
        return found | ({brow.reported_by_id} if brow.reported_by_id else set())
    return set()


def followers(kind: str, ident: int) -> set[int]:
    """Everyone who follows (kind, id): explicit follows and the automatic ones, less those who
    unfollowed."""
    rows = db.session.execute(
        select(Follow.user_id, Follow.active).where(
            Follow.target_kind == kind, Follow.target_id == ident
        )
    ).all()
    explicit = {uid for uid, active in rows if active}
    unfollowed = {uid for uid, active in rows if not active}
    return (explicit | _auto_followers(kind, ident)) - unfollowed


def is_following(user: User, kind: str, ident: int) -> bool:
    row = db.session.scalar(
        select(Follow.active).where(
            Follow.user_id == user.id, Follow.target_kind == kind, Follow.target_id == ident
        )
    )
    if row is not None:
        return bool(row)
    return user.id in _auto_followers(kind, ident)


def follows_target(user: User, target: object, explicit: bool | None) -> bool:
    """``is_following`` for a page's already loaded target (conversations.targets.Target), given
    the explicit follow row's state (the thread query reads it): no query of its own."""
    kind, obj, team = target.kind, target.obj, target.team  # type: ignore[attr-defined]
    row = explicit
    if row is not None:
        return bool(row)
    member = team is not None and user.id in team.member_ids()
    if kind == "initiatives":
        return member or obj.owner_id == user.id
    if kind == "barriers":
        return member or obj.reported_by_id == user.id
    return member


def _set_follow(user: User, kind: str, ident: int, active: bool) -> None:
    if kind not in FOLLOW_KINDS:
        raise NotFound("Only teams, initiatives and barriers can be followed.")
    follow_target(kind, ident)
    row = db.session.scalars(
        select(Follow).where(
            Follow.user_id == user.id, Follow.target_kind == kind, Follow.target_id == ident
        )
    ).one_or_none()
    if row is None:
        db.session.add(Follow(user_id=user.id, target_kind=kind, target_id=ident, active=active))
    else:
        row.active = active
    try:
        db.session.commit()
    except IntegrityError:  # a double click raced: the other request stored the same row
        db.session.rollback()
        db.session.execute(
            update(Follow)
            .where(Follow.user_id == user.id, Follow.target_kind == kind, Follow.target_id == ident)
            .values(active=active)
        )
        db.session.commit()


def follow(user: User, kind: str, ident: int) -> None:
    _set_follow(user, kind, ident, True)


def unfollow(user: User, kind: str, ident: int) -> None:
    _set_follow(user, kind, ident, False)


@dataclass
class Followed:
    kind: str
    id: int
    title: str
    automatic: bool


def following(user: User) -> list[Followed]:
    """What ``user`` follows, explicit and automatic, by kind then title. A few queries."""
    rows = db.session.execute(
        select(Follow.target_kind, Follow.target_id, Follow.active).where(Follow.user_id == user.id)
    ).all()
    explicit = {(k, i) for k, i, a in rows if a}
    unfollowed = {(k, i) for k, i, a in rows if not a}
    team_ids = set(
        db.session.scalars(
            select(Membership.team_id).where(
                Membership.user_id == user.id, Membership.state == MemberState.ACTIVE.value
            )
        )
    )
    auto: set[tuple[str, int]] = {("teams", t) for t in team_ids}
    if team_ids:
        auto |= {
            ("initiatives", i)
            for i in db.session.scalars(
                select(Initiative.id).where(Initiative.team_id.in_(team_ids))
            )
        }
    auto |= {
        ("initiatives", i)
        for i in db.session.scalars(select(Initiative.id).where(Initiative.owner_id == user.id))
    }
    barrier_where = Barrier.reported_by_id == user.id
    if team_ids:
        barrier_where = barrier_where | Barrier.team_id.in_(team_ids)
    auto |= {("barriers", b) for b in db.session.scalars(select(Barrier.id).where(barrier_where))}
    keys = (explicit | auto) - unfollowed

    titles = load_objects(keys)
    items = [
        Followed(k, i, titles[(k, i)], (k, i) not in explicit) for k, i in keys if (k, i) in titles
    ]
    order = {k: n for n, k in enumerate(FOLLOW_KINDS)}
    return sorted(items, key=lambda f: (order[f.kind], f.title.lower(), f.id))


# --- Preferences --------------------------------------------------------------------------------


def preferences(user: User) -> dict[str, str]:
    """Each kind's delivery for ``user`` (the defaults where they have not chosen)."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {k: chosen.get(k, DEFAULT_DELIVERY[k]) for k in DEFAULT_DELIVERY}


def set_preferences(user: User, choices: dict[str, str]) -> dict[str, str]:
    allowed = {d.value for d in Delivery}
    problems = {
        kind: [f"Choose one of: {', '.join(sorted(allowed))}."]
        for kind, value in choices.items()
        if kind not in DEFAULT_DELIVERY or value not in allowed
    }
    if problems:
        raise InvalidInput("Choose how to hear about each kind.", fields=problems)
    rows = {
        p.kind: p
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for kind, value in choices.items():
        if kind in rows:
            rows[kind].delivery = value
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=value))
    db.session.commit()
    return preferences(user)


# --- Notify -------------------------------------------------------------------------------------


def notify(
    user_ids: Iterable[int],
    kind: str,
    text: str,
    url: str,
    event_key: str,
    *,
    actor_id: int | None = None,
    comment_id: int | None = None,
    mailed_elsewhere: bool = False,
) -> list[Notification]:
    """Add one inbox row per person (never the actor, nor inactive or pending accounts), in the
    caller's unit of work, and queue a mail for those who want this kind at once. A person
    already told of ``event_key`` is not told again. ``mailed_elsewhere``: the event already has
    its own mail (a team notice, "you said, we did"), so nobody is mailed twice."""
    assert kind in DEFAULT_DELIVERY
    ids = {uid for uid in user_ids if uid and uid != actor_id}
    if not ids:
        return []
    people = list(
        db.session.scalars(
            select(User.id).where(
                User.id.in_(ids), User.active.is_(True), User.password_hash.is_not(None)
            )
        )
    )
    already = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.event_key == event_key, Notification.user_id.in_(people)
            )
        )
    )
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.kind == kind, NotificationPreference.user_id.in_(people)
            )
        ).all()
    )
    made = []
    for uid in sorted(set(people) - already):
        delivery = chosen.get(uid, DEFAULT_DELIVERY[kind])
        if mailed_elsewhere and delivery == Delivery.MAIL.value:
            delivery = Delivery.INBOX.value
        made.append(
            Notification(
                user_id=uid,
                kind=kind,
                text=text[:2000],
                url=url[:300],
                event_key=event_key[:80],
                actor_id=actor_id,
                comment_id=comment_id,
                delivery=delivery,
            )
        )
    db.session.add_all(made)
    db.session.flush()
    for n in made:
        if n.delivery == Delivery.MAIL.value:
            enqueue_mail_after_commit(
                "jobs.conversations.mail_notification", n.id, key=f"notification:{n.id}"
            )
    return made


# --- The inbox ----------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """Unread notifications, counted on the (user_id, read_at) index and capped: one query."""
    capped = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(UNREAD_CAP + 1)
        .subquery()
    )
    return int(db.session.scalar(select(func.count()).select_from(capped)) or 0)


def unread_label(count: int) -> str:
    return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)


def inbox_query(user: User, unread_only: bool = False) -> Select[tuple[Notification]]:
    stmt = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt


def get_notification(user: User, ident: int) -> Notification:
    n = db.session.get(Notification, ident)
    if n is None or n.user_id != user.id:
        raise NotFound("No such notification.")
    return n


def mark_read(user: User, ids: Iterable[int] | None = None, *, everything: bool = False) -> int:
    """Mark some (``ids``, the caller's own only) or all of ``user``'s notifications read.
    Returns how many changed."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if not everything:
        wanted = [int(i) for i in (ids or [])]
        if not wanted:
            raise InvalidInput.on("ids", "Say which notifications to mark read, or all.")
        stmt = stmt.where(Notification.id.in_(wanted))
    result = db.session.execute(stmt.values(read_at=utcnow()))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def for_digest(user: User, since: datetime, until: datetime) -> list[Notification]:
    """The notifications ``user`` asked to read in their digest, in the window."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.delivery == Delivery.DIGEST.value,
                Notification.created_at > since,
                Notification.created_at <= until,
            )
            .order_by(Notification.created_at, Notification.id)
            .limit(50)
        )
    )


KIND_LABELS = {k.value: k.label for k in NotificationKind}
