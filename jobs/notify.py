"""Mail people about team events: a charter or decline to the proposer, a join request to the
leads, a decision to the requester, an addition to the person added, a closing to the members.

The job reads the committed Activity row by id and works out recipients and wording from it.
Each mail goes through ``send_once``: a ledger row per (notice, person), claimed before the mail
goes out, so a retry after a partial SMTP failure only mails the people not yet reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from teams_app.activity import TEAM_NOTICES, Verb
from teams_app.extensions import db
from teams_app.mail import send_mail, stable_message_id
from teams_app.models import (
    Activity,
    Barrier,
    ImpactStory,
    NoticeDelivery,
    NoticeStatus,
    Team,
    User,
    utcnow,
)
from teams_app.teams.services import leads_of
from teams_app.urls import external_url


@dataclass
class Notice:
    subject: str
    headline: str
    body: str
    link_label: str = "Open the team"


def send_once(
    notice_key: str, person: User, subject: str, template: str = "team_notice", **context: object
) -> bool:
    """Mail ``person`` this notice unless the ledger says it already reached them. The claim is
    committed before the mail goes out and fixes the Message-ID; if the worker dies between the
    SMTP server accepting and the ledger saying "sent", the retry sends the same message again
    (the one gap no protocol closes without the receiving server's help)."""

    def find() -> NoticeDelivery | None:
        return db.session.scalars(
            select(NoticeDelivery).where(
                NoticeDelivery.notice_key == notice_key, NoticeDelivery.user_id == person.id
            )
        ).one_or_none()

    row = find()
    if row is None:
        row = NoticeDelivery(
            notice_key=notice_key,
            user_id=person.id,
            message_id=stable_message_id(notice_key, person.email),
        )
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            row = find()
            assert row is not None
    if row.status == NoticeStatus.SENT.value:
        return False
    send_mail(person.email, subject, template, message_id=row.message_id, **context)
    row.status, row.sent_at = NoticeStatus.SENT.value, utcnow()
    db.session.commit()
    return True


def _notice(event: Activity, team: Team, actor: User | None) -> Notice | None:
    who = actor.name if actor else "Someone"
    data = event.data or {}
    match event.verb:
        case Verb.CHARTERED:
            note = f"\n\nTheir note: {data['note']}" if data.get("note") else ""
            return Notice(
                f"{team.name} is chartered",
                f"Your team {team.name} is chartered.",
                f"{who} chartered it with {data.get('sponsor', 'a sponsor')} as sponsor. "
                f"It is now open for colleagues to join.{note}",
            )
        case Verb.DECLINED:
            return Notice(
                f"{team.name} was not chartered",
                f"Your proposal {team.name} was declined.",
                f"{who} gave this reason: {data.get('reason', '')}",
            )
        case Verb.REQUESTED_TO_JOIN:
            message = f"\n\nTheir message: “{data['message']}”" if data.get("message") else ""
            return Notice(
                f"{who} asks to join {team.name}",
                f"{who} asks to join {team.name}.",
                f"Accept or decline the request on the team page.{message}",
            )
        case Verb.ACCEPTED_REQUEST:
            return Notice(
                f"Welcome to {team.name}",
                f"You are now a member of {team.name}.",
                f"{who} accepted your request.",
            )
        case Verb.DECLINED_REQUEST:
            return Notice(
                f"Your request to join {team.name}",
                f"{who} declined your request to join {team.name}.",
                "You can still follow the team's work on its page.",
            )
        case Verb.ADDED_MEMBER:
            return Notice(
                f"You were added to {team.name}",
                f"{who} added you to {team.name}.",
                f"The team works on: {team.problem}",
            )
        case Verb.CLOSED:
            return Notice(
                f"{team.name} is closed",
                f"{who} closed {team.name}.",
                f"What we learned: {team.closing_summary or ''}",
            )
    return None


def _recipients(event: Activity, team: Team) -> list[User]:
    data = event.data or {}
    if event.verb in (Verb.CHARTERED, Verb.DECLINED):
        people = [team.proposed_by] if team.proposed_by else []
    elif event.verb == Verb.REQUESTED_TO_JOIN:
        people = leads_of(team)
    elif event.verb in (Verb.ACCEPTED_REQUEST, Verb.DECLINED_REQUEST, Verb.ADDED_MEMBER):
        person = db.session.get(User, data.get("user_id"))
        people = [person] if person else []
    elif event.verb == Verb.CLOSED:
        people = [m.user for m in team.active_memberships()]
    else:
        people = []
    return [p for p in people if p.active and p.id != event.actor_id and not p.is_pending]


def team_event(activity_id: int) -> int:
    """Send the event's notice to each recipient; returns how many mails went out."""
    event = db.session.get(Activity, activity_id)
    if event is None or event.team_id is None or event.verb not in TEAM_NOTICES:
        return 0
    team = db.session.get(Team, event.team_id)
    if team is None:
        return 0
    notice = _notice(event, team, event.actor)
    if notice is None:
        return 0
    url = external_url("teams.show", slug=team.slug)
    sent = 0
    for person in _recipients(event, team):
        if send_once(
            f"team_event:{event.id}", person, notice.subject, user=person, notice=notice, url=url
        ):
            sent += 1
    return sent


S = TypeVar("S")


def addressee(
    activity_id: int, verb: Verb, model: type[S], person_of: Callable[[S], User | None]
) -> tuple[Activity, S, User] | None:
    """The event, its subject and the one person to tell about it; None when there is nobody
    to tell: the event or its subject is gone, the person cannot sign in, or did it themself."""
    event = db.session.get(Activity, activity_id)
    if event is None or event.verb != verb:
        return None
    subject = db.session.get(model, event.subject_id)
    person = person_of(subject) if subject is not None else None
    if subject is None or person is None or not person.active or person.is_pending:
        return None
    if person.id == event.actor_id:
        return None
    return event, subject, person


def barrier_resolved(activity_id: int) -> int:
    """ "You said, we did": tell the person who reported a barrier that it was removed or
    accepted, and what was done. Returns how many mails went out (0 or 1)."""

    found = addressee(activity_id, Verb.RESOLVED_BARRIER, Barrier, lambda b: b.reported_by)
    if found is None:
        return 0
    event, barrier, reporter = found
    data = event.data or {}
    who = event.actor.name if event.actor else "Someone"
    removed = data.get("outcome") == "removed"
    notice = Notice(
        f"You said, we did: {barrier.title}" if removed else f"Decision on: {barrier.title}",
        (
            f"The barrier you reported is removed: {barrier.title}."
            if removed
            else f"The barrier you reported is accepted for now: {barrier.title}."
        ),
        (f"{who} closed it" + (" as removed. " if removed else " as accepted. "))
        + ("What was done: " if removed else "Why we live with it for now: ")
        + str(data.get("resolution", "")),
        "Open the barrier",
    )
    url = external_url("barriers.show", barrier_id=barrier.id)
    key = f"barrier_resolved:{event.id}"
    return int(send_once(key, reporter, notice.subject, user=reporter, notice=notice, url=url))


def story_hidden(activity_id: int) -> int:
    """Tell a story's author that leadership hid it from the feed, and why. Returns how many
    mails went out (0 or 1)."""

    found = addressee(activity_id, Verb.HID_STORY, ImpactStory, lambda s: s.author)
    if found is None:
        return 0
    event, story, author = found
    who = event.actor.name if event.actor else "Leadership"
    notice = Notice(
        f"Your story was hidden: {story.title}",
        f"Your impact story “{story.title}” was hidden from the stories feed.",
        f"{who} gave this reason: {(event.data or {}).get('reason', '')}\n\n"
        "You can still read and edit it; leadership can put it back once it is fixed.",
        "Open the story",
    )
    url = external_url("stories.show", story_id=story.id)
    key = f"story_hidden:{event.id}"
    return int(send_once(key, author, notice.subject, user=author, notice=notice, url=url))
