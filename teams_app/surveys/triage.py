"""Coding survey comments: the triage queue of free-text answers, and what each one becomes.

Every non-empty free-text answer is a ``SurveyComment`` (``services._store_answers`` makes it with
the answer). The survey's owners and leadership code each one as

- ``new_barrier``: a barrier reported through ``teams_app.barriers.services.report_barrier``
  (source *survey*, affecting customers or staff from the survey's audience), linked back to the
  comment, in the same unit of work;
- ``evidence``: backing an existing barrier (the queue suggests some with the barrier form's own
  similarity search, ``barriers.services.similar_open``); a barrier's survey evidence is every
  comment with its id;
- ``story``: a story worth telling; the queue then offers the story form, pre-filled with the
  comment, and the story shared from it links back (``story_id``, :func:`story_from_comment`);
- ``none``: no action;

with optional themes. Coding is versioned: a stale ``version`` is refused (409) and changes
nothing. Nothing here reads or returns the respondent: a comment is its words, its question and
survey, and (for a survey that is not anonymous) the branch it speaks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from teams_app.activity import Verb, record
from teams_app.barriers import services as barriers
from teams_app.errors import InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.markdown_text import audit_unsafe_markup
from teams_app.models import (
    Affects,
    Barrier,
    BarrierSource,
    CommentCode,
    ImpactStory,
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyAudience,
    SurveyComment,
    SurveyCommentTheme,
    SurveyResponse,
    User,
    utcnow,
)
from teams_app.pagination import Page, paginate
from teams_app.permissions import can
from teams_app.stories import services as stories
from teams_app.versioning import check_version, commit_versioned, need_version

THEME_MAX = 60
MAX_THEMES = 10
TITLE_FROM_TEXT = 100
QUOTES_ON_BARRIER = 3
SUGGESTIONS = 3


@dataclass
class Coding:
    """How a comment is coded. ``barrier`` (for ``new_barrier``) holds the report's fields;
    what it leaves empty comes from :func:`barrier_defaults`."""

    coded_as: str
    barrier_id: int | None = None
    barrier: dict[str, Any] | None = None
    themes: list[str] = field(default_factory=list)


@dataclass
class Progress:
    coded: int
    total: int

    @property
    def uncoded(self) -> int:
        return self.total - self.coded

    def __str__(self) -> str:
        return f"{self.coded} of {self.total} coded"


# --- Reading ------------------------------------------------------------------------------------


def _comment_options() -> tuple[Any, ...]:
    return (
        joinedload(SurveyComment.answer)
        .joinedload(SurveyAnswer.response)
        .joinedload(SurveyResponse.department),
        joinedload(SurveyComment.question),
        joinedload(SurveyComment.barrier),
        selectinload(SurveyComment.themes),
    )


def get_comment(comment_id: int, viewer: User) -> SurveyComment:
    """The comment with its survey (and owners), answer, question, barrier and themes. Someone
    who may not code the survey's comments gets NotFound: the queue does not reveal them."""
    comment = db.session.scalars(
        select(SurveyComment)
        .where(SurveyComment.id == comment_id)
        .options(
            *_comment_options(),
            joinedload(SurveyComment.survey).selectinload(Survey.owners),
        )
        .execution_options(populate_existing=True)
    ).one_or_none()
    if comment is None or not can(viewer, "manage_survey", comment.survey):
        raise NotFound("There is no such comment.")
    return comment


def queue_query(survey: Survey, coded: bool | None = None) -> Select[Any]:
    """The survey's comments, oldest first; ``coded`` True/False keeps only coded/uncoded."""
    stmt = (
        select(SurveyComment)
        .where(SurveyComment.survey_id == survey.id)
        .options(*_comment_options())
        .order_by(SurveyComment.id)
    )
    if coded is True:
        stmt = stmt.where(SurveyComment.coded_as.is_not(None))
    elif coded is False:
        stmt = stmt.where(SurveyComment.coded_as.is_(None))
    return stmt


def _require_coder(viewer: User, survey: Survey) -> None:
    if not can(viewer, "manage_survey", survey):
        raise NotAllowed("Only the survey's owners and leadership see its comments.")


def queue(
    viewer: User, survey: Survey, *, coded: bool | None = None, page: int = 1, per_page: int = 20
) -> Page[SurveyComment]:
    """One page of the triage queue (the count, the page's comments, their themes: three
    queries whatever the page size)."""
    _require_coder(viewer, survey)
    return paginate(queue_query(survey, coded), page, per_page)


def progress(survey: Survey) -> Progress:
    """ "38 of 120 coded", in one query."""
    coded, total = db.session.execute(
        select(
            func.coalesce(func.sum(case((SurveyComment.coded_as.is_not(None), 1), else_=0)), 0),
            func.count(SurveyComment.id),
        ).where(SurveyComment.survey_id == survey.id)
    ).one()
    return Progress(int(coded), int(total))


def suggestions(comments: list[SurveyComment]) -> dict[int, list[Barrier]]:
    """Open barriers like each uncoded comment, by the barrier form's similarity search (one
    query per uncoded comment on the page, so bounded by the page size)."""
    return {
        c.id: barriers.similar_open(c.text, limit=SUGGESTIONS) for c in comments if not c.coded_as
    }


def affects_for(comment: SurveyComment) -> str:
    """Who a barrier from this comment affects: the survey's audience, and for a survey of both,
    whether the answer came from staff (signed in) or a customer (link or kiosk)."""
    audience = comment.survey.audience_enum
    if audience is SurveyAudience.STAFF:
        return Affects.STAFF.value
    if audience is SurveyAudience.CUSTOMERS:
        return Affects.CUSTOMERS.value
    staff = comment.answer.response.channel == ResponseChannel.STAFF.value
    return Affects.STAFF.value if staff else Affects.CUSTOMERS.value


def title_from(text: str, limit: int = TITLE_FROM_TEXT) -> str:
    """A barrier title from a comment's words: its first line, cut at a word near ``limit``."""
    line = " ".join((text or "").split())
    if len(line) <= limit:
        return line.rstrip(".")
    cut = line[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def barrier_defaults(comment: SurveyComment) -> dict[str, Any]:
    """The report form's pre-filled fields for a comment coded as a new barrier."""
    survey = comment.survey
    wave = f", wave {survey.wave}" if survey.wave > 1 else ""
    department_id = None
    if not survey.anonymous and comment.answer.response.department_id:
        department_id = comment.answer.response.department_id
    return {
        "title": title_from(comment.text),
        "description": f"From the survey “{survey.title}”{wave}:\n\n> {comment.text}",
        "category": "process",
        "affects": affects_for(comment),
        "severity": "medium",
        "source": BarrierSource.SURVEY.value,
        "department_id": department_id,
    }


def department_of(comment: SurveyComment) -> str | None:
    """The branch a comment speaks for, shown only for a survey that is not anonymous (with the
    words, a small branch could point at a person)."""
    if comment.survey.anonymous:
        return None
    department = comment.answer.response.department
    return department.name if department is not None else None


# --- Coding -------------------------------------------------------------------------------------


def clean_themes(raw: list[str] | str | None) -> list[str]:
    """Lower-cased, trimmed, unique themes; a string is split on commas."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    out: list[str] = []
    for item in items:
        theme = " ".join(str(item or "").lower().split())
        if not theme:
            continue
        if len(theme) > THEME_MAX:
            raise InvalidInput.on("themes", f"Keep each theme to {THEME_MAX} characters.")
        if theme not in out:
            out.append(theme)
    if len(out) > MAX_THEMES:
        raise InvalidInput.on("themes", f"Give at most {MAX_THEMES} themes.")
    return out


def _barrier_details(comment: SurveyComment, given: dict[str, Any] | None) -> Any:
    details = barrier_defaults(comment)
    details.update({k: v for k, v in (given or {}).items() if v is not None})
    return barriers.BarrierDetails(
        title=str(details.get("title") or ""),
        category=str(details.get("category") or ""),
        affects=str(details.get("affects") or ""),
        severity=str(details.get("severity") or ""),
        source=str(details.get("source") or ""),
        description=details.get("description"),
        team_id=details.get("team_id"),
        initiative_id=details.get("initiative_id"),
        department_id=details.get("department_id"),
    )


def code_comment(  # noqa: C901 - the coding unit of work; split with the triage tests
    actor: User, comment: SurveyComment, coding: Coding, version: int | None
) -> SurveyComment:
    """Code (or re-code) one comment. ``version`` must be the comment's current one (a stale or
    missing version changes nothing). A new barrier is reported in the same transaction as the
    coding, so either both are saved or neither."""
    survey = comment.survey
    if not can(actor, "manage_survey", survey):
        raise NotAllowed("Only the survey's owners and leadership code its comments.")
    check_version(comment, need_version(version, "Send the version of the comment you coded."))
    try:
        code = CommentCode(coding.coded_as)
    except ValueError:
        raise InvalidInput.on("as", "Code it as new_barrier, evidence, story or none.") from None
    themes = clean_themes(coding.themes)
    barrier_id: int | None = None
    if code is CommentCode.EVIDENCE:
        if coding.barrier_id is None:
            raise InvalidInput.on("barrier_id", "Choose the barrier this comment backs.")
        if db.session.get(Barrier, coding.barrier_id) is None:
            raise InvalidInput.on("barrier_id", "There is no such barrier.")
        barrier_id = coding.barrier_id
    elif code is CommentCode.NEW_BARRIER:
        if coding.barrier_id is not None:
            raise InvalidInput.on(
                "barrier_id", "A new barrier is made from the comment: send barrier, not an id."
            )
        try:
            barrier = barriers.report_barrier(
                actor, _barrier_details(comment, coding.barrier), commit=False
            )
        except InvalidInput as exc:
            db.session.rollback()
            raise InvalidInput(
                exc.message, fields={f"barrier.{k}": v for k, v in exc.fields.items()}
            ) from None
        barrier_id = barrier.id
    comment.coded_as = code.value
    comment.barrier_id = barrier_id
    if code is not CommentCode.STORY:
        comment.story_id = None
    comment.coded_by_id = actor.id
    comment.coded_at = utcnow()
    if themes != comment.theme_names:
        comment.themes = [SurveyCommentTheme(theme=t) for t in themes]
    _commit_coding(actor, comment)
    return get_comment(comment.id, actor)


def _commit_coding(actor: User, comment: SurveyComment) -> None:
    """Record how ``comment`` is now coded (never its words) and commit, version-checked."""
    record(
        actor,
        Verb.CODED_SURVEY_COMMENT,
        comment.survey,
        title=comment.survey.title,
        comment_id=comment.id,
        coded_as=comment.coded_as or "",
        barrier_id=comment.barrier_id,
    )
    commit_versioned(comment, lambda ident: get_comment(ident, actor))


def story_from_comment(
    actor: User, comment: SurveyComment, details: stories.StoryDetails, version: int | None
) -> ImpactStory:
    """Share the impact story a comment invited, linked back to it: the comment (coded as a
    story, or not coded yet: it then is) gets the story's ``story_id``, in the story's own
    transaction. A comment that already has its story or is coded otherwise (someone decided:
    re-code it first), or a stale ``version``, changes nothing."""
    survey = comment.survey
    if not can(actor, "manage_survey", survey):
        raise NotAllowed("Only the survey's owners and leadership code its comments.")
    if comment.story_id is not None:
        raise InvalidInput.on("survey_comment", "This comment already has its story.")
    if comment.coded_as not in (None, CommentCode.STORY.value):
        raise InvalidInput.on(
            "survey_comment",
            "This comment is coded as “"
            + CommentCode(comment.coded_as).label
            + "”: code it as a story worth telling in the queue first.",
        )
    check_version(comment, need_version(version, "Send the version of the comment you coded."))
    story = stories.share_story(actor, details, commit=False)
    if comment.coded_as is None:
        comment.coded_as = CommentCode.STORY.value
        comment.coded_by_id = actor.id
        comment.coded_at = utcnow()
    comment.story_id = story.id
    _commit_coding(actor, comment)
    audit_unsafe_markup(story, "body", story.body)
    return stories.get_story(story.id)


def story_defaults(comment: SurveyComment) -> dict[str, Any]:
    """The story form's starting point for a comment: its words quoted (the author tells the
    rest), a win for praise, the branch it speaks for (not for an anonymous survey)."""
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in comment.text.splitlines())
    department = None if comment.survey.anonymous else comment.answer.response.department_id
    return {
        "title": "",
        "body": f"From the survey “{comment.survey.title}”:\n\n{quoted}\n\n",
        "department_id": department or 0,
    }


def comment_for_story(story: ImpactStory, viewer: User) -> SurveyComment | None:
    """The survey comment ``story`` was written from, for those who code that survey's comments
    (the story page links back to the queue for them; others see only the story)."""
    comment = db.session.scalars(
        select(SurveyComment).where(SurveyComment.story_id == story.id).limit(1)
    ).one_or_none()  # most stories: this one indexed query; the survey loads only when found
    if comment is None or not can(viewer, "manage_survey", comment.survey):
        return None
    return comment


def page_of(comment: SurveyComment, per_page: int) -> int:
    """The page of the whole queue (oldest first) that holds ``comment``."""
    before = db.session.scalar(
        select(func.count(SurveyComment.id)).where(
            SurveyComment.survey_id == comment.survey_id, SurveyComment.id < comment.id
        )
    )
    return int(before or 0) // per_page + 1


def next_uncoded(survey: Survey, after_id: int) -> int | None:
    """The next uncoded comment after ``after_id`` (else the first uncoded one)."""
    base = select(SurveyComment.id).where(
        SurveyComment.survey_id == survey.id, SurveyComment.coded_as.is_(None)
    )
    found = db.session.scalar(
        base.where(SurveyComment.id > after_id).order_by(SurveyComment.id).limit(1)
    )
    return found or db.session.scalar(base.order_by(SurveyComment.id).limit(1))


# --- A barrier's survey evidence ----------------------------------------------------------------


@dataclass
class Quote:
    text: str
    survey_id: int
    survey_title: str
    wave: int


@dataclass
class Evidence:
    count: int
    quotes: list[Quote]


def evidence_for(barrier_id: int, limit: int = QUOTES_ON_BARRIER) -> Evidence:
    """How many survey comments back a barrier (the one it came from included) and the newest
    few of them: two queries. Quotes carry the words and the survey, never a respondent."""
    count = db.session.scalar(
        select(func.count(SurveyComment.id)).where(SurveyComment.barrier_id == barrier_id)
    )
    if not count:
        return Evidence(0, [])
    rows = db.session.execute(
        select(SurveyAnswer.text, Survey.id, Survey.title, Survey.wave)
        .join(SurveyComment, SurveyComment.answer_id == SurveyAnswer.id)
        .join(Survey, Survey.id == SurveyComment.survey_id)
        .where(SurveyComment.barrier_id == barrier_id)
        .order_by(SurveyComment.id.desc())
        .limit(limit)
    ).all()
    return Evidence(
        int(count), [Quote(text or "", sid, title, wave) for text, sid, title, wave in rows]
    )
