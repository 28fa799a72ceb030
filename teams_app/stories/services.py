"""The rules of impact stories: share and edit, cheer (once per person), hide and unhide
(leadership, with a reason the author is told), and pick the Impact Story of the Month.

Web views and the API call these. Each checks state, then who is asking, then the input; records
activity; and commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from teams_app.activity import Verb, record
from teams_app.dates import OUT_OF_RANGE, in_range, month_bounds
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.markdown_text import audit_unsafe_markup
from teams_app.models import (
    Barrier,
    Cheer,
    Department,
    ImpactStory,
    Initiative,
    StoryKind,
    Team,
    User,
    utcnow,
)
from teams_app.permissions import can
from teams_app.queue import mail_person_after_commit
from teams_app.validation import required_text
from teams_app.versioning import check_version, commit_versioned, need_version

TITLE_MAX = 160
BODY_MAX = 10_000
REASON_MAX = 2000


def this_month() -> str:
    """The current month as "YYYY-MM" (UTC, like every stored time)."""
    return utcnow().strftime("%Y-%m")


def get_story(story_id: int, viewer: User | None = None) -> ImpactStory:
    """The story with what its page reads. A hidden story is seen only by its author and
    leadership: for anyone else it does not exist (404)."""
    stmt = (
        select(ImpactStory)
        .options(
            joinedload(ImpactStory.author).joinedload(User.department),
            joinedload(ImpactStory.department),
            joinedload(ImpactStory.initiative).joinedload(Initiative.team),
            joinedload(ImpactStory.barrier).joinedload(Barrier.team),
        )
        .where(ImpactStory.id == story_id)
        .execution_options(populate_existing=True)
    )
    story = db.session.scalars(stmt).unique().one_or_none()
    if story is None or (viewer is not None and not can(viewer, "view_story", story)):
        raise NotFound("No such story.")
    return story


def visible_story(viewer: User, story_id: int | None) -> ImpactStory | None:
    """The story if it exists and ``viewer`` may see it, else None (for optional links)."""
    if story_id is None:
        return None
    story = db.session.get(ImpactStory, story_id)
    if story is None or not can(viewer, "view_story", story):
        return None
    return story


def _team_of(story: ImpactStory) -> Team | None:
    """The team whose feed hears about the story: its initiative's, else its barrier's."""
    if story.initiative is not None:
        return story.initiative.team
    if story.barrier is not None:
        return story.barrier.team
    return None


# --- Share and edit -----------------------------------------------------------------------------


@dataclass
class StoryDetails:
    title: str
    body: str
    kind: str
    no_personal_details: bool = False
    department_id: int | None = None
    occurred_on: date | None = None
    initiative_id: int | None = None
    barrier_id: int | None = None


def _checked_occurred_on(value: date | None, problem: Callable[[str, str], None]) -> date:
    """The day it happened (today if not given), reporting what is wrong with it."""
    today = utcnow().date()
    occurred_on = value or today
    if not isinstance(occurred_on, date):
        problem("occurred_on", "Enter a real date, such as 2027-03-31.")
    elif occurred_on > today:
        problem("occurred_on", "The date it happened cannot be in the future.")
    elif not in_range(occurred_on):
        problem("occurred_on", OUT_OF_RANGE)
    return occurred_on


def _check_links(d: StoryDetails, problem: Callable[[str, str], None]) -> None:
    for field, model, what in (
        ("department_id", Department, "department"),
        ("initiative_id", Initiative, "initiative"),
        ("barrier_id", Barrier, "barrier"),
    ):
        ident = getattr(d, field)
        if ident is not None and db.session.get(model, ident) is None:
            problem(field, f"There is no such {what}.")


def _checked(d: StoryDetails) -> StoryDetails:
    """Validate every field at once, so a form shows all its problems together."""
    problems: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    title = " ".join((d.title or "").split())  # one line: it is a heading and a mail subject
    if not title:
        problem("title", "Give the story a short title.")
    elif len(title) > TITLE_MAX:
        problem("title", f"Use at most {TITLE_MAX} characters.")
    body = (d.body or "").strip()
    if not body:
        problem("body", "Tell what happened.")
    elif len(body) > BODY_MAX:
        problem("body", f"Use at most {BODY_MAX} characters.")
    if d.kind not in {k.value for k in StoryKind}:
        problem("kind", "Choose a kind of story: " + ", ".join(k.value for k in StoryKind) + ".")
    if d.no_personal_details is not True:
        problem(
            "no_personal_details",
            "Confirm the story holds no customer names or identifying details.",
        )
    occurred_on = _checked_occurred_on(d.occurred_on, problem)
    _check_links(d, problem)
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], fields=problems)
    return replace(d, title=title, body=body, occurred_on=occurred_on)


def share_story(actor: User, details: StoryDetails, *, commit: bool = True) -> ImpactStory:
    """Any staff member shares a story, confirming it holds no personal details.
    ``commit=False`` leaves the commit (and the markup audit) to a caller whose unit of work
    includes the story (a survey comment coded as a story links back to it)."""
    if not can(actor, "share_story"):
        raise NotAllowed("Sign in with an active account to share a story.")
    d = _checked(details)
    assert d.occurred_on is not None
    story = ImpactStory(
        author_id=actor.id,
        title=d.title,
        body=d.body,
        kind=d.kind,
        department_id=d.department_id,
        occurred_on=d.occurred_on,
        initiative_id=d.initiative_id,
        barrier_id=d.barrier_id,
        no_personal_details=True,
    )
    db.session.add(story)
    db.session.flush()
    db.session.refresh(story, ["initiative", "barrier"])
    record(actor, Verb.SHARED_STORY, story, team=_team_of(story), title=d.title, story_id=story.id)
    if not commit:
        return story
    db.session.commit()
    audit_unsafe_markup(story, "body", story.body)
    return get_story(story.id)


def edit_story(
    actor: User, story: ImpactStory, details: StoryDetails, version: int | None
) -> ImpactStory:
    """The author edits their story; a stale version is a conflict that changes nothing."""
    if not can(actor, "edit_story", story):
        raise NotAllowed("Only the person who shared a story can edit it.")
    need_version(version)
    d = _checked(details)
    check_version(story, version)
    assert d.occurred_on is not None
    story.title, story.body, story.kind = d.title, d.body, d.kind
    story.department_id, story.occurred_on = d.department_id, d.occurred_on
    story.initiative_id, story.barrier_id = d.initiative_id, d.barrier_id
    story.no_personal_details = True
    _commit(story, flush_only=True)
    db.session.refresh(story, ["initiative", "barrier"])
    record(actor, Verb.EDITED_STORY, story, team=_team_of(story), title=d.title, story_id=story.id)
    _commit(story)
    audit_unsafe_markup(story, "body", story.body)
    return get_story(story.id)


def link_reported_barrier(actor: User, story_id: int, barrier: Barrier) -> ImpactStory | None:
    """A barrier was reported from the story: link the story to it, unless it already names one.
    Returns the story when it was linked."""
    story = db.session.get(ImpactStory, story_id)
    if story is None or not can(actor, "view_story", story) or story.barrier_id is not None:
        return None
    story.barrier_id = barrier.id
    _commit(story, flush_only=True)
    db.session.refresh(story, ["initiative", "barrier"])
    record(
        actor,
        Verb.REPORTED_BARRIER_FROM_STORY,
        story,
        team=_team_of(story),
        title=story.title,
        story_id=story.id,
        barrier=barrier.title,
        barrier_id=barrier.id,
    )
    _commit(story)
    return story


def _commit(story: ImpactStory, *, flush_only: bool = False) -> None:
    commit_versioned(story, get_story, flush_only=flush_only)


# --- Hide and unhide ----------------------------------------------------------------------------


def hide_story(actor: User, story: ImpactStory, reason: str | None) -> ImpactStory:
    """Leadership takes a story out of the feed, with a reason; the author is told by mail."""
    if not can(actor, "hide_story", story):
        raise NotAllowed("Only leadership can hide a story.")
    if story.hidden:
        raise Conflict("This story is already hidden.")
    why = required_text("reason", reason, REASON_MAX, "Say why the story is hidden.")
    story.hidden, story.hidden_reason = True, why
    story.hidden_by_id, story.hidden_at = actor.id, utcnow()
    event = record(
        actor,
        Verb.HID_STORY,
        story,
        team=_team_of(story),
        title=story.title,
        story_id=story.id,
        reason=why,
    )
    _commit(story, flush_only=True)
    mail_person_after_commit("jobs.notify.story_hidden", event, story.author, actor)
    _commit(story)
    return get_story(story.id)


def unhide_story(actor: User, story: ImpactStory) -> ImpactStory:
    """Leadership puts a hidden story back in the feed."""
    if not can(actor, "hide_story", story):
        raise NotAllowed("Only leadership can unhide a story.")
    if not story.hidden:
        raise Conflict("This story is not hidden.")
    story.hidden = False
    story.hidden_reason = story.hidden_by_id = story.hidden_at = None
    record(
        actor, Verb.UNHID_STORY, story, team=_team_of(story), title=story.title, story_id=story.id
    )
    _commit(story)
    return get_story(story.id)


# --- Cheers -------------------------------------------------------------------------------------


def _count(story_id: int) -> int:
    return int(
        db.session.scalar(select(ImpactStory.cheer_count).where(ImpactStory.id == story_id)) or 0
    )


def cheer(actor: User, story: ImpactStory) -> int:
    """One cheer per person (not for your own story, nor a hidden one). Returns the new count.

    The count on the story moves in the same transaction with ``cheer_count = cheer_count + 1``,
    so two people cheering at once both count; it does not change the story's version (a cheer
    must not make an author's edit stale)."""
    if story.hidden:
        raise Conflict("This story is hidden: it cannot be cheered.")
    if not can(actor, "cheer_story", story):
        raise NotAllowed("You cannot cheer your own story: cheers come from colleagues.")
    already = db.session.scalar(
        select(exists().where(Cheer.story_id == story.id, Cheer.user_id == actor.id))
    )
    if already:
        raise Conflict("You have already cheered this story.")
    try:
        db.session.add(Cheer(story_id=story.id, user_id=actor.id))
        db.session.flush()
    except IntegrityError:  # a second cheer raced the first
        db.session.rollback()
        raise Conflict("You have already cheered this story.") from None
    table = ImpactStory.__table__
    db.session.execute(
        update(table).where(table.c.id == story.id).values(cheer_count=table.c.cheer_count + 1)
    )
    record(actor, Verb.CHEERED_STORY, story, title=story.title, story_id=story.id)
    db.session.commit()
    return _count(story.id)


def uncheer(actor: User, story: ImpactStory) -> int:
    """Take a cheer back. Returns the new count."""
    result = db.session.execute(
        delete(Cheer).where(Cheer.story_id == story.id, Cheer.user_id == actor.id)
    )
    removed = getattr(result, "rowcount", 0)
    if not removed:
        db.session.rollback()
        raise Conflict("You have not cheered this story.")
    table = ImpactStory.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == story.id, table.c.cheer_count > 0)
        .values(cheer_count=table.c.cheer_count - 1)
    )
    record(actor, Verb.UNCHEERED_STORY, story, title=story.title, story_id=story.id)
    db.session.commit()
    return _count(story.id)


# --- Story of the Month -------------------------------------------------------------------------


def feature_story(actor: User, story: ImpactStory, month: str | None = None) -> ImpactStory:
    """Leadership picks the Impact Story of the Month: one per month, for the current month only
    (changeable until it ends: a later pick replaces the earlier one). A hidden story, a story
    from another month, or one that was already a month's story cannot be picked."""
    if not can(actor, "feature_story", story):
        raise NotAllowed("Only leadership can pick the Impact Story of the Month.")
    current = this_month()
    month = (month or current).strip()
    try:
        start, end = month_bounds(month)
    except ValueError:
        raise InvalidInput.on("month", "Give the month as YYYY-MM, such as 2027-03.") from None
    if month < current:
        raise Conflict(f"{month} is over: its Story of the Month can no longer change.")
    if month > current:
        raise InvalidInput.on("month", f"Pick the story of the current month ({current}) only.")
    if story.hidden:
        raise Conflict("This story is hidden: it cannot be the Story of the Month.")
    if story.featured_month == month:
        raise Conflict(f"This story is already the Story of the Month for {month}.")
    if story.featured_month is not None:
        raise Conflict(f"This story was already the Story of the Month for {story.featured_month}.")
    if not (start <= story.occurred_on < end):
        raise Conflict(
            f"This story happened in {story.occurred_on:%B %Y}: pick one of {start:%B %Y}'s "
            "stories."
        )
    previous = db.session.scalar(select(ImpactStory).where(ImpactStory.featured_month == month))
    if previous is not None:
        previous.featured_month = None
        previous.featured_by_id = None
        _commit(previous, flush_only=True)  # free the month before it is taken again
    story.featured_month, story.featured_by_id = month, actor.id
    record(
        actor,
        Verb.FEATURED_STORY,
        story,
        team=_team_of(story),
        title=story.title,
        story_id=story.id,
        month=month,
        replaced=previous.title if previous is not None else None,
    )
    _commit(story)
    return get_story(story.id)
