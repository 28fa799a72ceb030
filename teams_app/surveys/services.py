"""The rules of surveys: build (questions, order, translations, owners), publish, announce, copy
for the next wave or as a new version, close into satisfaction results, and answer.

Web views, the public pages and the API call these. Each checks state, then who is asking, then
the input; records activity (never for an answer: answers are not news, and an anonymous one must
leave no trace of its author); and commits.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _t
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from teams_app.activity import Verb, record
from teams_app.dates import OUT_OF_RANGE, date_text, in_range
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound
from teams_app.extensions import db
from teams_app.models import (
    Department,
    QuestionKind,
    ResponseChannel,
    SatisfactionResult,
    Survey,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyAudience,
    SurveyChoice,
    SurveyComment,
    SurveyOwner,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    User,
    utcnow,
)
from teams_app.models.surveys import SURVEY_LANGUAGES
from teams_app.permissions import can
from teams_app.queue import enqueue_mail_after_commit
from teams_app.satisfaction.services import metric_key
from teams_app.search import index as search_index
from teams_app.versioning import check_version, commit_versioned

TITLE_MAX = 160
INTRO_MAX = 4000
QUESTION_MAX = 500
CHOICE_MAX = 200
METRIC_MAX = 80
MAX_QUESTIONS = 60
MAX_CHOICES = 20
SUBMISSION_KEY_MAX = 64
# About how long one question takes, for "2 minutes" on the home card.
SECONDS_PER_QUESTION = 15


# --- Errors -------------------------------------------------------------------------------------


class QuestionsLocked(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "This survey has answers, so its questions are locked to keep waves comparable. "
            "Make a new version to change them."
        )


class NotTakingAnswers(Conflict):
    """Closed, a draft, or not open yet: the page says which, and nothing is stored."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # "draft", "not_yet_open", "closed"


class AlreadyAnswered(Conflict):
    def __init__(self, message: str, *, response: SurveyResponse | None = None) -> None:
        super().__init__(message)
        self.response = response


# --- Reading ------------------------------------------------------------------------------------


def _with_questions() -> tuple[Any, ...]:
    return (
        selectinload(Survey.questions).selectinload(SurveyQuestion.choices),
        selectinload(Survey.owners).selectinload(SurveyOwner.user),
    )


def get_survey(survey_id: int, viewer: User | None = None) -> Survey:
    """The survey with its questions, choices and owners (three queries). With ``viewer``, a
    survey they may not see is NotFound (a draft does not reveal that it exists)."""
    survey = db.session.scalars(
        select(Survey).where(Survey.id == survey_id).options(*_with_questions())
    ).one_or_none()
    if survey is None or (viewer is not None and not can(viewer, "view_survey", survey)):
        raise NotFound("There is no such survey.")
    return survey


# A survey's questions and choices as last loaded, detached, by (survey id, row version, public
# token): the public pages read them on every answer. The random token is in the key because an
# id can come back (SQLite reuses the highest id after a delete; tests empty every table). Only
# surveys with answers are kept: their questions are locked (a change makes a new version, a new
# survey id), and any edit of the survey bumps its row version anyway, so a kept entry is never
# stale. Per process, a few hundred at most.
_QUESTIONS: dict[tuple[int, int, str | None], list[SurveyQuestion]] = {}
_QUESTIONS_MAX = 256


def _public_questions(survey: Survey) -> None:
    """Put ``survey``'s questions (with choices) on it: from the cache when its questions are
    locked (no query: the kept copies are merged into the session without loading), else with
    two queries. The owners are not loaded: a public answer never shows them."""
    key = (survey.id, survey.version, survey.public_token)
    kept = _QUESTIONS.get(key) if survey.questions_locked else None
    if kept is None:
        loaded = list(
            db.session.scalars(
                select(SurveyQuestion)
                .where(SurveyQuestion.survey_id == survey.id)
                .order_by(SurveyQuestion.position, SurveyQuestion.id)
                .options(selectinload(SurveyQuestion.choices))
            )
        )
        if not survey.questions_locked:
            set_committed_value(survey, "questions", loaded)
            return
        for question in loaded:  # detached copies for the cache; the session gets merged ones
            for choice in question.choices:
                db.session.expunge(choice)
            db.session.expunge(question)
        if len(_QUESTIONS) >= _QUESTIONS_MAX:
            _QUESTIONS.clear()
        _QUESTIONS[key] = kept = loaded
    merged = [db.session.merge(question, load=False) for question in kept]
    set_committed_value(survey, "questions", merged)


def get_by_token(token: str) -> Survey:
    """A published customer survey by its public link's token (drafts are not found), with its
    questions and choices but not its owners: one query once the survey has answers."""
    survey = db.session.scalars(
        select(Survey).where(Survey.public_token == token[:64])
    ).one_or_none()
    if (
        survey is None
        or survey.status == SurveyStatus.DRAFT.value
        or not survey.audience_enum.includes_customers
    ):
        raise NotFound("There is no such survey.")
    _public_questions(survey)
    return survey


def list_surveys(
    viewer: User, *, status: str | None = None, audience: str | None = None
) -> list[Survey]:
    """Surveys ``viewer`` may see, newest first: every published one, and drafts they run."""
    stmt = select(Survey).options(selectinload(Survey.owners)).order_by(Survey.id.desc())
    if status:
        stmt = stmt.where(Survey.status == status)
    if audience:
        stmt = stmt.where(Survey.audience == audience)
    if not viewer.is_leadership:
        owned = select(SurveyOwner.survey_id).where(SurveyOwner.user_id == viewer.id)
        stmt = stmt.where((Survey.status != SurveyStatus.DRAFT.value) | Survey.id.in_(owned))
    return list(db.session.scalars(stmt))


def today() -> date:
    """The organisation's today for survey dates (UTC, like every stored time)."""
    return utcnow().date()


def taking_answers_problem(survey: Survey, day: date | None = None) -> NotTakingAnswers | None:
    """Why ``survey`` takes no answers on ``day`` (None when it does)."""
    day = day or today()
    if survey.status == SurveyStatus.DRAFT.value:
        return NotTakingAnswers("This survey is not published yet.", reason="draft")
    if survey.status == SurveyStatus.CLOSED.value or day > survey.closes_on:
        when = survey.closes_on if day > survey.closes_on else (survey.closed_at or utcnow()).date()
        return NotTakingAnswers(
            f"This survey closed on {date_text(min(when, survey.closes_on))}. Thank you for "
            "your interest.",
            reason="closed",
        )
    if day < survey.opens_on:
        return NotTakingAnswers(
            f"This survey opens on {date_text(survey.opens_on)}. Please come back then.",
            reason="not_yet_open",
        )
    return None


@dataclass
class HomeCard:
    survey: Survey
    minutes: int
    closes_on: date


def minutes_to_answer(survey: Survey) -> int:
    return max(1, round(len(survey.questions) * SECONDS_PER_QUESTION / 60))


def open_staff_surveys(user: User, day: date | None = None) -> list[HomeCard]:
    """Open staff surveys ``user`` has not answered yet, closing soonest first: home's card.
    Three queries however many surveys are open."""
    day = day or today()
    answered = select(SurveyResponse.survey_id).where(SurveyResponse.user_id == user.id)
    took_part = select(SurveyParticipation.survey_id).where(SurveyParticipation.user_id == user.id)
    surveys = db.session.scalars(
        select(Survey)
        .where(
            Survey.status == SurveyStatus.OPEN.value,
            Survey.audience.in_((SurveyAudience.STAFF.value, SurveyAudience.BOTH.value)),
            Survey.opens_on <= day,
            Survey.closes_on >= day,
            Survey.id.not_in(answered),
            Survey.id.not_in(took_part),
        )
        .order_by(Survey.closes_on, Survey.id)
        .options(selectinload(Survey.questions))
        .limit(5)
    ).all()
    return [HomeCard(s, minutes_to_answer(s), s.closes_on) for s in surveys]


def closes_text(closes_on: date, day: date | None = None) -> str:
    """ "closes today", "closes tomorrow", "closes Friday" (within a week), else the date."""
    day = day or today()
    delta = (closes_on - day).days
    if delta <= 0:
        return "closes today"
    if delta == 1:
        return "closes tomorrow"
    if delta < 7:
        return f"closes {closes_on.strftime('%A')}"
    return f"closes {date_text(closes_on)}"


# --- Building -----------------------------------------------------------------------------------


@dataclass
class ChoiceDetails:
    text: dict[str, str]
    id: int | None = None


@dataclass
class QuestionDetails:
    kind: str
    text: dict[str, str]
    required: bool = False
    metric: str | None = None
    choices: list[ChoiceDetails] = field(default_factory=list)
    id: int | None = None


@dataclass
class SurveyDetails:
    title: str
    audience: str
    opens_on: date | None
    closes_on: date | None
    intro: str | None = None
    anonymous: bool = False
    languages: list[str] = field(default_factory=lambda: ["en"])
    title_i18n: dict[str, str] = field(default_factory=dict)
    intro_i18n: dict[str, str] = field(default_factory=dict)
    # None leaves the questions as they are; a list replaces them (matched by id).
    questions: list[QuestionDetails] | None = None


def _texts(
    raw: Mapping[str, Any] | None, languages: list[str], where: str, limit: int, problem: Any
) -> dict[str, str]:
    """{language: text} kept for the survey's languages, stripped, each at most ``limit``."""
    out: dict[str, str] = {}
    for lang, value in (raw or {}).items():
        if lang not in SURVEY_LANGUAGES:
            problem(where, f"“{lang}” is not a language surveys offer.")
            continue
        text = " ".join(str(value or "").split())
        if len(text) > limit:
            problem(where, f"Use at most {limit} characters.")
        elif text and lang in languages:
            out[lang] = text
    if languages[0] not in out:
        problem(where, f"Write it in {language_name(languages[0])}.")
    return out


def language_name(code: str) -> str:
    return {"en": "English", "es": "Spanish"}.get(code, code)


def _checked(details: SurveyDetails) -> tuple[SurveyDetails, dict[str, list[str]]]:  # noqa: C901 - field-by-field survey validation (28): to split into helpers with the survey tests
    problems: dict[str, list[str]] = {}

    def problem(name: str, message: str) -> None:
        if message not in problems.setdefault(name, []):
            problems[name].append(message)

    title = " ".join((details.title or "").split())
    if not title:
        problem("title", "Give the survey a title.")
    elif len(title) > TITLE_MAX:
        problem("title", f"Use at most {TITLE_MAX} characters.")
    intro = (details.intro or "").strip() or None
    if intro and len(intro) > INTRO_MAX:
        problem("intro", f"Use at most {INTRO_MAX} characters.")
    if details.audience not in {a.value for a in SurveyAudience}:
        problem("audience", "Choose who answers: staff, customers or both.")
    languages = []
    for lang in details.languages or []:
        if lang not in SURVEY_LANGUAGES:
            problem("languages", f"Choose languages from: {', '.join(SURVEY_LANGUAGES)}.")
        elif lang not in languages:
            languages.append(lang)
    if not languages:
        problem("languages", "Offer at least one language.")
        languages = ["en"]
    opens_on, closes_on = details.opens_on, details.closes_on
    if opens_on is None:
        problem("opens_on", "Give the day it opens.")
    elif not in_range(opens_on):
        problem("opens_on", OUT_OF_RANGE)
    if closes_on is None:
        problem("closes_on", "Give the day it closes.")
    elif not in_range(closes_on):
        problem("closes_on", OUT_OF_RANGE)
    elif opens_on is not None and closes_on < opens_on:
        problem("closes_on", "It cannot close before it opens.")
    other = languages[1:]
    title_i18n = {
        k: " ".join(str(v).split())[:TITLE_MAX]
        for k, v in (details.title_i18n or {}).items()
        if k in other and str(v or "").strip()
    }
    intro_i18n = {
        k: str(v).strip()[:INTRO_MAX]
        for k, v in (details.intro_i18n or {}).items()
        if k in other and str(v or "").strip()
    }
    questions: list[QuestionDetails] | None = None
    if details.questions is not None:
        if len(details.questions) > MAX_QUESTIONS:
            problem("questions", f"A survey has at most {MAX_QUESTIONS} questions.")
        questions = []
        metrics: set[str] = set()
        for n, q in enumerate(details.questions[:MAX_QUESTIONS], start=1):
            where = f"questions.{n}"
            if q.kind not in {k.value for k in QuestionKind}:
                problem(where, "Choose a kind of question.")
                continue
            kind = QuestionKind(q.kind)
            text = _texts(q.text, languages, where, QUESTION_MAX, problem)
            metric = " ".join((q.metric or "").split()) or None
            if metric and not kind.is_rating:
                problem(where, "Only a rating question can feed a satisfaction metric.")
                metric = None
            if metric and len(metric) > METRIC_MAX:
                problem(where, f"Name the metric in at most {METRIC_MAX} characters.")
            if metric:
                if metric_key(metric) in metrics:
                    problem(where, "Two questions cannot feed the same metric.")
                metrics.add(metric_key(metric))
            choices: list[ChoiceDetails] = []
            if kind.is_choice:
                given = [c for c in q.choices if any(str(v or "").strip() for v in c.text.values())]
                if len(given) < 2:
                    problem(where, "Give at least two choices.")
                if len(given) > MAX_CHOICES:
                    problem(where, f"Give at most {MAX_CHOICES} choices.")
                for c in given[:MAX_CHOICES]:
                    choices.append(
                        ChoiceDetails(
                            _texts(c.text, languages, where, CHOICE_MAX, problem), id=c.id
                        )
                    )
            questions.append(
                QuestionDetails(
                    kind=kind.value,
                    text=text,
                    required=bool(q.required),
                    metric=metric,
                    choices=choices,
                    id=q.id,
                )
            )
    checked = SurveyDetails(
        title=title,
        audience=details.audience,
        opens_on=opens_on,
        closes_on=closes_on,
        intro=intro,
        anonymous=bool(details.anonymous),
        languages=languages,
        title_i18n=title_i18n,
        intro_i18n=intro_i18n,
        questions=questions,
    )
    return checked, problems


def _raise(problems: dict[str, list[str]]) -> None:
    if problems:
        first = next(iter(problems.values()))[0]
        raise InvalidInput(first, fields=problems)


def new_token() -> str:
    return secrets.token_urlsafe(18)[:24]


def create_survey(actor: User, details: SurveyDetails, owner_ids: Iterable[int] = ()) -> Survey:
    """Leadership starts a survey as a draft (questions optional until it is published)."""
    if not can(actor, "create_survey"):
        raise NotAllowed("Only leadership starts surveys.")
    checked, problems = _checked(details)
    _raise(problems)
    assert checked.opens_on is not None and checked.closes_on is not None
    survey = Survey(
        title=checked.title,
        intro=checked.intro,
        title_i18n=checked.title_i18n,
        intro_i18n=checked.intro_i18n,
        audience=checked.audience,
        opens_on=checked.opens_on,
        closes_on=checked.closes_on,
        anonymous=checked.anonymous,
        languages=checked.languages,
        public_token=new_token(),
        created_by_id=actor.id,
    )
    db.session.add(survey)
    _set_owners(actor, survey, owner_ids)
    if checked.questions:
        _replace_questions(survey, checked.questions)
    db.session.flush()
    record(actor, Verb.CREATED_SURVEY, survey, title=survey.title)
    db.session.commit()
    return survey


def _same_questions(survey: Survey, questions: list[QuestionDetails]) -> bool:
    """Whether ``questions`` says what the survey already asks (order, kinds, texts, choices)."""
    if len(questions) != len(survey.questions):
        return False
    for new, old in zip(questions, survey.questions, strict=True):
        if (new.id, new.kind, new.text, new.required, new.metric) != (
            old.id,
            old.kind,
            dict(old.text or {}),
            old.required,
            old.metric,
        ):
            return False
        if [(c.id, c.text) for c in new.choices] != [(c.id, dict(c.text)) for c in old.choices]:
            return False
    return True


def _replace_questions(survey: Survey, questions: list[QuestionDetails]) -> None:
    """Make the survey ask ``questions`` in that order: rows with a known id are updated, the
    rest added, and questions no longer listed removed (only ever before any answer)."""
    by_id = {q.id: q for q in survey.questions if q.id is not None}
    kept: list[SurveyQuestion] = []
    for position, d in enumerate(questions, start=1):
        question = by_id.pop(d.id, None) if d.id is not None else None
        if question is None:
            question = SurveyQuestion(kind=d.kind)
        question.kind = d.kind
        question.position = position
        question.text = dict(d.text)
        question.required = d.required
        question.metric = d.metric
        question.metric_key = metric_key(d.metric) if d.metric else None
        old_choices = {c.id: c for c in question.choices if c.id is not None}
        choices: list[SurveyChoice] = []
        for cpos, cd in enumerate(d.choices, start=1):
            choice = old_choices.pop(cd.id, None) if cd.id is not None else None
            if choice is None:
                choice = SurveyChoice()
            choice.position = cpos
            choice.text = dict(cd.text)
            choices.append(choice)
        question.choices = choices
        kept.append(question)
    survey.questions = kept


def update_survey(
    actor: User, survey: Survey, details: SurveyDetails, version: int | None = None
) -> Survey:
    """Owners and leadership edit a draft or open survey. Questions are locked once it has
    answers (a change is refused; ``new_version`` copies it instead); a closed survey is kept
    as it was. A stale ``version`` is a conflict that changes nothing."""
    if not can(actor, "manage_survey", survey):
        raise NotAllowed("Only the survey's owners and leadership edit it.")
    if survey.status == SurveyStatus.CLOSED.value:
        raise Conflict("This survey is closed; copy it for the next wave to ask again.")
    if version is not None:
        check_version(survey, version)
    checked, problems = _checked(details)
    _raise(problems)
    assert checked.opens_on is not None and checked.closes_on is not None
    # Who answers, anonymity and languages are part of what was asked: locked with the questions.
    if survey.questions_locked and (
        checked.audience != survey.audience
        or checked.anonymous != survey.anonymous
        or checked.languages != survey.languages
    ):
        raise QuestionsLocked()
    if checked.questions is not None and not _same_questions(survey, checked.questions):
        if survey.questions_locked:
            raise QuestionsLocked()
        _replace_questions(survey, checked.questions)
    survey.title = checked.title
    survey.intro = checked.intro
    survey.title_i18n = checked.title_i18n
    survey.intro_i18n = checked.intro_i18n
    survey.audience = checked.audience
    survey.opens_on = checked.opens_on
    survey.closes_on = checked.closes_on
    survey.anonymous = checked.anonymous
    survey.languages = checked.languages
    survey.updated_at = utcnow()
    record(actor, Verb.EDITED_SURVEY, survey, title=survey.title)
    _commit(survey)
    return survey


def _commit(survey: Survey) -> None:
    commit_versioned(survey, get_survey)


def move_question(actor: User, survey: Survey, question_id: int, offset: int) -> Survey:
    """Move a question up (-1) or down (+1): the builder's buttons, without JavaScript."""
    if not can(actor, "manage_survey", survey):
        raise NotAllowed("Only the survey's owners and leadership edit it.")
    if survey.questions_locked:
        raise QuestionsLocked()
    questions = list(survey.questions)
    index = next((i for i, q in enumerate(questions) if q.id == question_id), None)
    if index is None:
        raise NotFound("There is no such question in this survey.")
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(questions):
        questions[index], questions[target] = questions[target], questions[index]
        for position, q in enumerate(questions, start=1):
            q.position = position
        survey.updated_at = utcnow()
        _commit(survey)
    return survey


def _set_owners(actor: User, survey: Survey, user_ids: Iterable[int]) -> None:
    wanted = sorted({int(i) for i in user_ids})
    if not wanted:
        survey.owners = []
        return
    found = {u.id for u in db.session.scalars(select(User).where(User.id.in_(wanted), User.active))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput.on("owner_ids", "Choose owners from the active staff.")
    current = {o.user_id: o for o in survey.owners}
    survey.owners = [current.get(i) or SurveyOwner(user_id=i, added_by_id=actor.id) for i in wanted]


def set_owners(actor: User, survey: Survey, user_ids: Iterable[int]) -> Survey:
    """Leadership names who runs a survey alongside them."""
    if not can(actor, "name_survey_owners"):
        raise NotAllowed("Only leadership names survey owners.")
    _set_owners(actor, survey, user_ids)
    survey.updated_at = utcnow()
    record(actor, Verb.NAMED_SURVEY_OWNERS, survey, title=survey.title)
    _commit(survey)
    return survey


def _copy(actor: User, source: Survey, *, opens_on: date, closes_on: date) -> Survey:
    copy = Survey(
        title=source.title,
        intro=source.intro,
        title_i18n=dict(source.title_i18n or {}),
        intro_i18n=dict(source.intro_i18n or {}),
        audience=source.audience,
        opens_on=opens_on,
        closes_on=closes_on,
        anonymous=source.anonymous,
        languages=list(source.languages or ["en"]),
        public_token=new_token(),
        created_by_id=actor.id,
    )
    copy.owners = [SurveyOwner(user_id=o.user_id, added_by_id=actor.id) for o in source.owners]
    copy.questions = [
        SurveyQuestion(
            kind=q.kind,
            position=q.position,
            text=dict(q.text or {}),
            required=q.required,
            metric=q.metric,
            metric_key=q.metric_key,
            copied_from_id=q.id,
            choices=[
                SurveyChoice(position=c.position, text=dict(c.text or {}), copied_from_id=c.id)
                for c in q.choices
            ],
        )
        for q in source.questions
    ]
    db.session.add(copy)
    return copy


def copy_for_next_wave(
    actor: User, source: Survey, opens_on: date | None = None, closes_on: date | None = None
) -> Survey:
    """The next wave: a draft asking the same questions, ``previous_wave_id`` pointing back so
    the comparison pairs its questions (``copied_from_id``). Dates default to the same length,
    starting today."""
    if not can(actor, "manage_survey", source):
        raise NotAllowed("Only the survey's owners and leadership copy it.")
    start = opens_on or today()
    end = closes_on or start + (source.closes_on - source.opens_on)
    if end < start:
        raise InvalidInput.on("closes_on", "It cannot close before it opens.")
    copy = _copy(actor, source, opens_on=start, closes_on=end)
    copy.previous_wave_id = source.id
    copy.wave = source.wave + 1
    db.session.flush()
    record(actor, Verb.COPIED_SURVEY, copy, title=copy.title, wave=copy.wave, source_id=source.id)
    db.session.commit()
    return copy


def new_version(actor: User, source: Survey) -> Survey:
    """A draft copy whose questions can change, for a survey whose answers locked them. It is
    the same wave (same ``previous_wave_id`` and number) and records ``revision_of_id``."""
    if not can(actor, "manage_survey", source):
        raise NotAllowed("Only the survey's owners and leadership copy it.")
    start = max(today(), source.opens_on)
    copy = _copy(actor, source, opens_on=start, closes_on=max(start, source.closes_on))
    copy.previous_wave_id = source.previous_wave_id
    copy.wave = source.wave
    copy.revision_of_id = source.id
    db.session.flush()
    record(actor, Verb.REVISED_SURVEY, copy, title=copy.title, source_id=source.id)
    db.session.commit()
    return copy


def publish_problems(survey: Survey) -> list[str]:  # noqa: C901 - one check per publishing rule, listed together
    """What stops a draft from opening (empty when it may)."""
    problems = []
    if not survey.questions:
        problems.append("Add at least one question.")
    for n, q in enumerate(survey.questions, start=1):
        missing = [lang for lang in survey.languages if not (q.text or {}).get(lang)]
        if missing:
            names = ", ".join(language_name(m) for m in missing)
            problems.append(f"Question {n} has no {names} text.")
        if q.kind_enum.is_choice:
            if len(q.choices) < 2:
                problems.append(f"Question {n} needs at least two choices.")
            for c in q.choices:
                if any(not (c.text or {}).get(lang) for lang in survey.languages):
                    problems.append(f"Question {n} has a choice without every translation.")
                    break
    for lang in survey.languages[1:]:
        if not (survey.title_i18n or {}).get(lang):
            problems.append(f"Give the title in {language_name(lang)}.")
    if survey.closes_on < today():
        problems.append("Its close date has passed; move it before publishing.")
    return problems


def publish(actor: User, survey: Survey, *, announce: bool = False) -> Survey:
    """Draft -> open. Answers are taken from ``opens_on``. ``announce`` mails the staff (staff
    surveys only), through the job queue once the change commits."""
    if not can(actor, "manage_survey", survey):
        raise NotAllowed("Only the survey's owners and leadership publish it.")
    if survey.status != SurveyStatus.DRAFT.value:
        raise Conflict("This survey is already published.")
    problems = publish_problems(survey)
    if problems:
        raise InvalidInput(problems[0], fields={"survey": problems})
    survey.status = SurveyStatus.OPEN.value
    survey.published_at = utcnow()
    record(actor, Verb.PUBLISHED_SURVEY, survey, title=survey.title)
    if announce:
        _queue_announcement(survey)
    _commit(survey)
    return survey


def _queue_announcement(survey: Survey) -> None:
    if not survey.audience_enum.includes_staff:
        raise InvalidInput.on("announce", "Only staff surveys are announced by mail.")
    if survey.announced_at is not None:
        raise Conflict("This survey was already announced.")
    survey.announced_at = utcnow()
    enqueue_mail_after_commit(
        "jobs.surveys.send_announcement", survey.id, key=f"survey-announcement:{survey.id}"
    )


def announce(actor: User, survey: Survey) -> Survey:
    """Mail every active staff member that a staff survey is open (once per survey)."""
    if not can(actor, "manage_survey", survey):
        raise NotAllowed("Only the survey's owners and leadership announce it.")
    if survey.status != SurveyStatus.OPEN.value:
        raise Conflict("Only an open survey can be announced.")
    _queue_announcement(survey)
    record(actor, Verb.ANNOUNCED_SURVEY, survey, title=survey.title)
    _commit(survey)
    return survey


# --- Closing ------------------------------------------------------------------------------------


@dataclass
class ClosingFigure:
    metric: str
    department_id: int | None
    department: str | None
    score: Decimal
    scale_max: Decimal
    respondents: int
    recorded: bool  # False: that month's figure already existed and was kept


@dataclass
class ClosingOutcome:
    survey: Survey
    period: str
    figures: list[ClosingFigure]

    @property
    def recorded(self) -> list[ClosingFigure]:
        return [f for f in self.figures if f.recorded]

    @property
    def kept(self) -> list[ClosingFigure]:
        return [f for f in self.figures if not f.recorded]


def min_group() -> int:
    return int(current_app.config.get("SURVEY_MIN_GROUP", 5))


def rating_groups(
    survey: Survey, question_ids: list[int]
) -> dict[int, dict[int | None, tuple[int, int]]]:
    """Per question, per department (None: the whole survey): (answer count, sum of values).
    One GROUP BY query for all questions."""
    rows = db.session.execute(
        select(
            SurveyAnswer.question_id,
            SurveyResponse.department_id,
            func.count(SurveyAnswer.id),
            func.sum(SurveyAnswer.value),
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyAnswer.survey_id == survey.id,
            SurveyAnswer.question_id.in_(question_ids),
            SurveyAnswer.value.is_not(None),
        )
        .group_by(SurveyAnswer.question_id, SurveyResponse.department_id)
    ).all()
    groups: dict[int, dict[int | None, tuple[int, int]]] = defaultdict(dict)
    for question_id, department_id, count, total in rows:
        whole = groups[question_id].get(None, (0, 0))
        groups[question_id][None] = (whole[0] + count, whole[1] + int(total or 0))
        if department_id is not None:
            groups[question_id][department_id] = (count, int(total or 0))
    return groups


def close(actor: User, survey: Survey, day: date | None = None) -> ClosingOutcome:
    """Open -> closed. Each rating question with a metric becomes satisfaction results for the
    month its answers ended in (the close date, or today if it is closed early): one for the
    whole organisation and one per branch or department, each with its respondent count. Groups
    under the anonymity threshold are left out (the whole-survey figure too, when the survey is
    anonymous). A figure already recorded for that month, metric and department (a CSV import,
    another survey) is kept and reported, never overwritten."""
    if not can(actor, "manage_survey", survey):
        raise NotAllowed("Only the survey's owners and leadership close it.")
    if survey.status != SurveyStatus.OPEN.value:
        raise Conflict("Only an open survey can be closed.")
    day = day or today()
    period = min(day, survey.closes_on).strftime("%Y-%m")
    survey.status = SurveyStatus.CLOSED.value
    survey.closed_at = utcnow()
    survey.results_period = period
    metric_questions = [q for q in survey.questions if q.metric and q.kind_enum.is_rating]
    groups = rating_groups(survey, [q.id for q in metric_questions])
    department_ids = {d for g in groups.values() for d in g if d is not None}
    names = (
        dict(
            db.session.execute(
                select(Department.id, Department.name).where(Department.id.in_(department_ids))
            ).all()
        )
        if department_ids
        else {}
    )
    threshold = min_group()
    figures: list[ClosingFigure] = []
    for q in metric_questions:
        assert q.metric is not None and q.metric_key is not None
        scale = q.kind_enum.scale
        assert scale is not None
        existing = {
            key
            for (key,) in db.session.execute(
                select(SatisfactionResult.department_key).where(
                    SatisfactionResult.period == period,
                    SatisfactionResult.metric_key == q.metric_key,
                )
            ).all()
        }
        spelling = db.session.scalar(
            select(SatisfactionResult.metric)
            .where(SatisfactionResult.metric_key == q.metric_key)
            .order_by(SatisfactionResult.id)
            .limit(1)
        )
        for department_id, (count, total) in sorted(
            groups.get(q.id, {}).items(), key=lambda kv: (kv[0] is not None, kv[0] or 0)
        ):
            if count == 0:
                continue
            if (department_id is not None or survey.anonymous) and count < threshold:
                continue
            score = (Decimal(total) / Decimal(count)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            figure = ClosingFigure(
                metric=spelling or q.metric,
                department_id=department_id,
                department=names.get(department_id) if department_id else None,
                score=score,
                scale_max=Decimal(scale[1]),
                respondents=count,
                recorded=(department_id or 0) not in existing,
            )
            figures.append(figure)
            if figure.recorded:
                db.session.add(
                    SatisfactionResult(
                        period=period,
                        metric=figure.metric,
                        metric_key=q.metric_key,
                        score=score,
                        scale_max=figure.scale_max,
                        respondents=count,
                        department_id=department_id,
                        department_key=department_id or 0,
                        created_by_id=actor.id,
                    )
                )
    record(
        actor,
        Verb.CLOSED_SURVEY,
        survey,
        title=survey.title,
        period=period,
        results=len([f for f in figures if f.recorded]),
    )
    try:
        commit_versioned(survey, get_survey)
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "Someone recorded satisfaction results for the same month meanwhile. The survey is "
            "still open; close it again."
        ) from None
    return ClosingOutcome(survey, period, figures)


# --- Answering ----------------------------------------------------------------------------------


@dataclass
class Submission:
    """What a respondent sent. ``answers`` maps question ids to raw values: an int or its text
    for ratings and departments, a choice id (or a list of them), or text; missing or empty is
    no answer."""

    answers: Mapping[int, Any]
    language: str = "en"
    department_id: int | None = None
    channel: str = ResponseChannel.STAFF.value
    submission_key: str | None = None


@dataclass
class _Parsed:
    question: SurveyQuestion
    value: int | None = None
    department_id: int | None = None
    text: str | None = None
    choice_ids: list[int] = field(default_factory=list)


def _as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if text.lstrip("-").isdigit() and len(text) < 12:
        return int(text)
    return None


def _empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple):
        return all(_empty(r) for r in raw)
    return False


def field_name(question: SurveyQuestion | int) -> str:
    """The form field (and error key) of a question: ``q<id>``."""
    return f"q{question if isinstance(question, int) else question.id}"


def _parse(survey: Survey, submission: Submission) -> list[_Parsed]:  # noqa: C901 - the survey import parser, one branch per line kind; split with its tests
    """Every answer checked against its question (messages in the respondent's language):
    ratings within the scale, choices of that question, text within its length, departments
    that exist, required questions answered. All problems at once, keyed by ``q<id>``."""
    problems: dict[str, list[str]] = {}
    by_id = {q.id: q for q in survey.questions}
    for qid in submission.answers:
        if qid not in by_id:
            problems.setdefault("answers", []).append(
                _t("An answer was sent for a question this survey does not ask.")
            )
            break
    department_questions = [q for q in survey.questions if q.kind == QuestionKind.DEPARTMENT.value]
    department_ids: set[int] = set()
    wanted = [
        _as_int(submission.answers.get(q.id))
        for q in department_questions
        if not _empty(submission.answers.get(q.id))
    ]
    if any(w is not None for w in wanted):
        department_ids = set(
            db.session.scalars(
                select(Department.id).where(Department.id.in_([w for w in wanted if w is not None]))
            )
        )
    parsed: list[_Parsed] = []
    for q in survey.questions:
        name = field_name(q)
        raw = submission.answers.get(q.id)
        kind = q.kind_enum
        if _empty(raw):
            if q.required:
                problems.setdefault(name, []).append(_t("Please answer this question."))
            continue
        if kind.is_rating:
            low, high = kind.scale or (0, 0)
            value = _as_int(raw[0] if isinstance(raw, list | tuple) and len(raw) == 1 else raw)
            if value is None or not low <= value <= high:
                problems.setdefault(name, []).append(
                    _t("Choose a rating from %(low)d to %(high)d.", low=low, high=high)
                )
                continue
            parsed.append(_Parsed(q, value=value))
        elif kind.is_choice:
            values = list(raw) if isinstance(raw, list | tuple) else [raw]
            ids = [_as_int(v) for v in values if not _empty(v)]
            allowed = {c.id for c in q.choices}
            if any(i is None or i not in allowed for i in ids):
                problems.setdefault(name, []).append(_t("Choose from this question's choices."))
                continue
            unique = sorted({i for i in ids if i is not None})
            if kind == QuestionKind.SINGLE and len(unique) > 1:
                problems.setdefault(name, []).append(_t("Choose one answer."))
                continue
            parsed.append(_Parsed(q, choice_ids=unique))
        elif kind.is_text:
            if not isinstance(raw, str):
                problems.setdefault(name, []).append(_t("Answer in words."))
                continue
            text = raw.strip()
            limit = kind.max_length or 0
            if len(text) > limit:
                problems.setdefault(name, []).append(
                    _t(
                        "Please keep it to %(limit)d characters (this is %(length)d).",
                        limit=limit,
                        length=len(text),
                    )
                )
                continue
            parsed.append(_Parsed(q, text=text))
        else:  # department
            dept = _as_int(raw)
            if dept is None or dept not in department_ids:
                problems.setdefault(name, []).append(
                    _t("Choose a branch or department from the list.")
                )
                continue
            parsed.append(_Parsed(q, department_id=dept))
    if problems:
        first = next(iter(problems.values()))[0]
        raise InvalidInput(first, fields=problems)
    return parsed


def _language(survey: Survey, language: str | None) -> str:
    return language if language in survey.languages else survey.main_language


def _store_answers(response: SurveyResponse, survey: Survey, parsed: list[_Parsed]) -> None:
    """Replace ``response``'s answers with ``parsed``. A free-text answer gets a triage comment;
    an edited text resets its coding (the coder read other words)."""
    old = {a.question_id: a for a in response.answers}
    answers: list[SurveyAnswer] = []
    for p in parsed:
        answer = old.pop(p.question.id, None) or SurveyAnswer(
            survey_id=survey.id, question_id=p.question.id
        )
        text_changed = answer.text != p.text
        answer.value = p.value
        answer.department_id = p.department_id
        answer.text = p.text
        if {c.choice_id for c in answer.choices} != set(p.choice_ids):
            answer.choices = [SurveyAnswerChoice(choice_id=i) for i in p.choice_ids]
        if p.text:
            if answer.comment is None:
                answer.comment = SurveyComment(survey_id=survey.id, question_id=p.question.id)
            elif text_changed:
                comment = answer.comment
                comment.coded_as = comment.barrier_id = comment.story_id = None
                comment.coded_by_id = comment.coded_at = None
                comment.themes = []
        elif answer.comment is not None:
            answer.comment = None
        answers.append(answer)
    response.answers = answers


def _department_for(
    survey: Survey, parsed: list[_Parsed], given: int | None, actor: User | None
) -> int | None:
    """The group the response counts in: the "which branch" answer, else the public link's
    branch, else the staff member's own department."""
    for p in parsed:
        if p.department_id is not None:
            return p.department_id
    if given is not None:
        return db.session.scalar(select(Department.id).where(Department.id == given))
    return actor.department_id if actor is not None else None


def _count_response(survey: Survey) -> None:
    """One more response: an UPDATE of the counter (not the versioned row), so answers arriving
    together neither lose counts nor make an owner's edit stale."""
    db.session.execute(
        update(Survey)
        .where(Survey.id == survey.id)
        .values(response_count=Survey.response_count + 1)
        .execution_options(synchronize_session=False)
    )


def my_response(actor: User, survey: Survey) -> SurveyResponse | None:
    """The named staff response of ``actor`` (never for anonymous surveys: there is none)."""
    return db.session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.user_id == actor.id)
        .options(selectinload(SurveyResponse.answers).selectinload(SurveyAnswer.choices))
    ).one_or_none()


def has_answered(actor: User, survey: Survey) -> bool:
    if survey.anonymous:
        return (
            db.session.get(SurveyParticipation, {"survey_id": survey.id, "user_id": actor.id})
            is not None
        )
    return my_response(actor, survey) is not None


def answers_by_question(response: SurveyResponse | None) -> dict[int, Any]:
    """A stored response as a form's values: {question id: value, [choice ids] or text}."""
    if response is None:
        return {}
    out: dict[int, Any] = {}
    for a in response.answers:
        if a.value is not None:
            out[a.question_id] = a.value
        elif a.department_id is not None:
            out[a.question_id] = a.department_id
        elif a.text is not None:
            out[a.question_id] = a.text
        else:
            out[a.question_id] = a.choice_ids
    return out


def respond_as_staff(
    actor: User, survey: Survey, submission: Submission, day: date | None = None
) -> SurveyResponse:
    """A signed-in staff member answers. One response per person: a named survey's second
    answer is refused (``edit_response`` changes the first); an anonymous survey stores the
    response with no link to them and a participation row that refuses a second one."""
    problem = taking_answers_problem(survey, day)
    if problem is not None:
        raise problem
    if not can(actor, "answer_survey", survey):
        raise NotAllowed("This survey is not for staff.")
    parsed = _parse(survey, submission)
    if has_answered(actor, survey):
        raise AlreadyAnswered(
            "You have already answered this survey. Thank you!"
            if survey.anonymous
            else "You have already answered this survey; change your answers instead.",
            response=None if survey.anonymous else my_response(actor, survey),
        )
    response = SurveyResponse(
        survey_id=survey.id,
        user_id=None if survey.anonymous else actor.id,
        department_id=_department_for(survey, parsed, None, actor),
        language=_language(survey, submission.language),
        channel=ResponseChannel.STAFF.value,
    )
    if survey.anonymous:
        db.session.add(SurveyParticipation(survey_id=survey.id, user_id=actor.id))
    db.session.add(response)
    _store_answers(response, survey, parsed)
    _count_response(survey)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same person, twice at once: the first one stands
        raise AlreadyAnswered("You have already answered this survey. Thank you!") from None
    return response


def edit_response(
    actor: User, survey: Survey, submission: Submission, day: date | None = None
) -> SurveyResponse:
    """A staff member changes their named response while the survey is open."""
    problem = taking_answers_problem(survey, day)
    if problem is not None:
        raise problem
    if survey.anonymous:
        raise Conflict("Anonymous answers cannot be changed: nothing links them to you.")
    response = my_response(actor, survey)
    if response is None:
        raise NotFound("You have not answered this survey yet.")
    parsed = _parse(survey, submission)
    response.department_id = _department_for(survey, parsed, None, actor)
    response.language = _language(survey, submission.language)
    response.updated_at = utcnow()
    _store_answers(response, survey, parsed)
    db.session.commit()
    return response


def respond_publicly(
    survey: Survey, submission: Submission, day: date | None = None
) -> SurveyResponse:
    """A customer answers through the public link or the kiosk: no account, no IP address and
    no user agent stored. ``submission_key`` (one per form shown) makes a double submit store
    one response: the second gets the first one back."""
    response = db.session.get(SurveyResponse, answer_publicly(survey, submission, day))
    assert response is not None  # just stored, or the first of a double submit
    return response


def answer_publicly(survey: Survey, submission: Submission, day: date | None = None) -> int:
    """``respond_publicly`` for the public pages: the stored response's id, written with one
    INSERT per table (the response, its answers, their choices, the comments) and no ORM flush,
    which a burst of customers at a desk needs. The same checks, the same rows, exactly once:
    the unique submission key refuses a second row for a double submit, which gets the first."""
    problem = taking_answers_problem(survey, day)
    if problem is not None:
        raise problem
    if not survey.audience_enum.includes_customers:
        raise NotFound("There is no such survey.")
    key = (submission.submission_key or "").strip()[:SUBMISSION_KEY_MAX] or None
    if key is not None:
        existing = _id_by_key(survey, key)
        if existing is not None:
            return existing
    parsed = _parse(survey, submission)
    channel = (
        submission.channel
        if submission.channel in (ResponseChannel.LINK.value, ResponseChannel.KIOSK.value)
        else ResponseChannel.LINK.value
    )
    now = utcnow()
    responses = SurveyResponse.__table__
    try:
        response_id = db.session.execute(
            insert(responses).returning(responses.c.id),
            {
                "survey_id": survey.id,
                "user_id": None,
                "department_id": _department_for(survey, parsed, submission.department_id, None),
                "language": _language(survey, submission.language),
                "channel": channel,
                "submission_key": key,
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        _insert_answers(response_id, survey, parsed, now)
        _count_response(survey)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _id_by_key(survey, key) if key else None
        if existing is None:
            raise
        return existing
    return response_id


def _insert_answers(response_id: int, survey: Survey, parsed: list[_Parsed], now: datetime) -> None:
    """A new response's answers, their picked choices and their triage comments (one for each
    free-text answer), each table in one INSERT (executemany: compiled once per process)."""
    if not parsed:
        return
    answers = SurveyAnswer.__table__
    rows = [
        {
            "response_id": response_id,
            "survey_id": survey.id,
            "question_id": p.question.id,
            "value": p.value,
            "department_id": p.department_id,
            "text": p.text,
        }
        for p in parsed
    ]
    stored = db.session.execute(
        insert(answers).returning(
            answers.c.id, answers.c.question_id, sort_by_parameter_order=True
        ),
        rows,
    )
    answer_ids = {question_id: answer_id for answer_id, question_id in stored}
    picked = [
        {"answer_id": answer_ids[p.question.id], "choice_id": choice_id}
        for p in parsed
        for choice_id in p.choice_ids
    ]
    if picked:
        db.session.execute(insert(SurveyAnswerChoice.__table__), picked)
    comments = [
        {
            "answer_id": answer_ids[p.question.id],
            "survey_id": survey.id,
            "question_id": p.question.id,
            "created_at": now,
            "version": 1,
        }
        for p in parsed
        if p.text
    ]
    if comments:
        db.session.execute(insert(SurveyComment.__table__), comments)
        # Bulk inserts pass the session's search hook by: index the new comments here, in the
        # same transaction.
        new_ids = db.session.scalars(
            select(SurveyComment.id).where(
                SurveyComment.answer_id.in_([c["answer_id"] for c in comments])
            )
        )
        search_index.refresh({"survey_comment": set(new_ids)})


def _id_by_key(survey: Survey, key: str) -> int | None:
    return db.session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.submission_key == key
        )
    )


def branches() -> list[Department]:
    """Branches and departments in name order: the department question's list and the poster's
    desks."""
    return list(db.session.scalars(select(Department).order_by(Department.name, Department.id)))


def default_dates(day: date | None = None) -> tuple[date, date]:
    start = day or today()
    return start, start + timedelta(days=14)
