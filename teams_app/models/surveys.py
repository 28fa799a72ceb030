"""Surveys: staff and customer questionnaires, their answers, and the coding of comments.

The shape, for whoever builds on it (results, triage, comparison, API):

- ``Survey`` is one wave of a questionnaire. ``previous_wave_id`` points at the wave it was copied
  from (``copy for the next wave``), so the comparison page walks one step back. ``revision_of_id``
  points at the survey a *new version* was made from: once a survey has answers its questions are
  locked (``questions_locked``) so waves stay comparable, and changing them means a new version (a
  draft copy) rather than an edit. ``version`` is the optimistic lock, as on the other models.
- Owners: leadership may do everything; anyone leadership names in ``SurveyOwner`` may build,
  publish, close and code that survey (``teams_app.permissions`` holds the rule).
- Texts written by the author are per language: ``{"en": "...", "es": "..."}`` JSON on the
  question and the choice (and ``title_i18n``/``intro_i18n`` on the survey for languages other than
  the main one). ``Survey.languages`` lists the languages offered, the first is the main one.
- ``SurveyResponse`` is one person's (or one customer's) set of answers. ``user_id`` is set only
  for a staff survey that is not anonymous; for an anonymous survey the response has no link to
  the person at all, and a ``SurveyParticipation`` row (survey, user, nothing else: no id, no
  time) stops a second response. Customers have neither; ``submission_key`` (a one-time key the
  form carries) makes a double submit store one response. No IP address or user agent is stored.
- ``SurveyAnswer`` is one question's answer: ``value`` for ratings (1-5 stars, 0-10 scale),
  ``department_id`` for "which branch or department", ``text`` for short and long text, and rows
  in ``SurveyAnswerChoice`` for single and multiple choice (one row per chosen choice, so the
  results count them with one GROUP BY). ``survey_id`` is kept on the answer for the results'
  per-survey queries.
- ``SurveyComment`` is the triage queue: one row per non-empty free-text answer, created with the
  answer. Coding sets ``coded_as`` (new_barrier / evidence / story / none), ``barrier_id`` (the
  barrier it created or backs: "evidence" for a barrier is every comment with its ``barrier_id``),
  ``story_id`` once an invited impact story exists, themes in ``SurveyCommentTheme``, and
  ``coded_by_id``/``coded_at``. A comment never carries the respondent; its answer's response
  does only for a named staff survey.
- Closing a survey turns each rating question with a ``metric`` into ``SatisfactionResult`` rows
  for ``Survey.results_period`` (org-wide and per branch, with the respondent count).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teams_app.database import utcnow
from teams_app.extensions import db
from teams_app.models.barriers import Barrier
from teams_app.models.people import Department, User, enum_check
from teams_app.models.stories import ImpactStory

# Reports leave out any group (a branch, a department) with fewer respondents than this.
ANONYMITY_THRESHOLD = 5
# The languages a survey may offer; the first of a survey's list is its main language.
SURVEY_LANGUAGES = ("en", "es")


class SurveyAudience(enum.StrEnum):
    STAFF = "staff"
    CUSTOMERS = "customers"
    BOTH = "both"

    @property
    def label(self) -> str:
        return {"staff": "Staff", "customers": "Customers", "both": "Staff and customers"}[
            self.value
        ]

    @property
    def includes_staff(self) -> bool:
        return self is not SurveyAudience.CUSTOMERS

    @property
    def includes_customers(self) -> bool:
        return self is not SurveyAudience.STAFF


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class QuestionKind(enum.StrEnum):
    RATING5 = "rating5"
    RATING10 = "rating10"
    SINGLE = "single"
    MULTIPLE = "multiple"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    DEPARTMENT = "department"

    @property
    def label(self) -> str:
        return {
            "rating5": "Rating, 1 to 5 stars",
            "rating10": "Likelihood, 0 to 10",
            "single": "Single choice",
            "multiple": "Multiple choice",
            "short_text": "Short text",
            "long_text": "Long text",
            "department": "Which branch or department",
        }[self.value]

    @property
    def is_rating(self) -> bool:
        return self in (QuestionKind.RATING5, QuestionKind.RATING10)

    @property
    def is_choice(self) -> bool:
        return self in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)

    @property
    def is_text(self) -> bool:
        return self in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)

    @property
    def scale(self) -> tuple[int, int] | None:
        """(lowest, highest) for ratings."""
        return {QuestionKind.RATING5: (1, 5), QuestionKind.RATING10: (0, 10)}.get(self)

    @property
    def max_length(self) -> int | None:
        return {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 4000}.get(self)


class ResponseChannel(enum.StrEnum):
    """How an answer came in: signed in, the public link, or the kiosk at a desk."""

    STAFF = "staff"
    LINK = "link"
    KIOSK = "kiosk"


class CommentCode(enum.StrEnum):
    NEW_BARRIER = "new_barrier"
    EVIDENCE = "evidence"
    STORY = "story"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            "new_barrier": "New barrier",
            "evidence": "Evidence for a barrier",
            "story": "A story worth telling",
            "none": "No action",
        }[self.value]


def text_in(texts: dict[str, str] | None, language: str, fallback: str = "en") -> str:
    """The author's text in ``language``, else the fallback language's, else any."""
    texts = texts or {}
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()), "")


class Survey(db.Model):  # type: ignore[name-defined]
    """One wave of a survey. See the module docstring for waves, versions and owners."""

    __tablename__ = "surveys"
    __table_args__ = (
        enum_check("audience", SurveyAudience),
        enum_check("status", SurveyStatus),
        CheckConstraint("closes_on >= opens_on", name="closes_after_opens"),
        CheckConstraint("response_count >= 0", name="response_count_positive"),
        Index("ix_surveys_status_closes_on", "status", "closes_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    intro: Mapped[str | None] = mapped_column(Text)
    # Translations of title and intro for languages other than the main one: {"es": "..."}.
    title_i18n: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    intro_i18n: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    audience: Mapped[str] = mapped_column(String(10))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Languages offered, main first: ["en", "es"].
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    status: Mapped[str] = mapped_column(String(10), default=SurveyStatus.DRAFT.value, index=True)
    # The key of the public link (/s/<token>) for customer surveys; set at creation.
    public_token: Mapped[str] = mapped_column(String(32), unique=True)
    # 1 for a first wave; a copy for the next wave is previous + 1.
    wave: Mapped[int] = mapped_column(default=1)
    previous_wave_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="SET NULL"), index=True
    )
    # Set on a new version made because the questions of this one were locked.
    revision_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="SET NULL"), index=True
    )
    # Responses so far, kept on the row (one UPDATE per response) so lists and the lock need
    # no count; questions are locked once it is above 0.
    response_count: Mapped[int] = mapped_column(default=0)
    # "YYYY-MM": the month closing recorded satisfaction results for.
    results_period: Mapped[str | None] = mapped_column(String(7))
    announced_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    previous_wave: Mapped[Survey | None] = relationship(
        remote_side=[id], foreign_keys=[previous_wave_id]
    )
    revision_of: Mapped[Survey | None] = relationship(
        remote_side=[id], foreign_keys=[revision_of_id]
    )
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey",
        cascade="all, delete-orphan",
        order_by="SurveyQuestion.position, SurveyQuestion.id",
    )
    owners: Mapped[list[SurveyOwner]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyOwner.user_id"
    )

    @property
    def audience_enum(self) -> SurveyAudience:
        return SurveyAudience(self.audience)

    @property
    def status_enum(self) -> SurveyStatus:
        return SurveyStatus(self.status)

    @property
    def questions_locked(self) -> bool:
        """Once it has answers its questions stay as they are; a change makes a new version."""
        return self.response_count > 0

    @property
    def main_language(self) -> str:
        return (self.languages or ["en"])[0]

    def title_in(self, language: str) -> str:
        if language == self.main_language:
            return self.title
        return (self.title_i18n or {}).get(language) or self.title

    def intro_in(self, language: str) -> str:
        if language == self.main_language:
            return self.intro or ""
        return (self.intro_i18n or {}).get(language) or self.intro or ""

    def is_open_on(self, day: date) -> bool:
        """Taking answers: published, not closed, and ``day`` within its dates."""
        return self.status == SurveyStatus.OPEN.value and self.opens_on <= day <= self.closes_on

    def __repr__(self) -> str:
        return f"<Survey {self.id} {self.title!r} {self.status}>"


class SurveyOwner(db.Model):  # type: ignore[name-defined]
    """Someone leadership named as an owner of one survey: may build, publish, close and code it."""

    __tablename__ = "survey_owners"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    survey: Mapped[Survey] = relationship(back_populates="owners")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SurveyQuestion(db.Model):  # type: ignore[name-defined]
    """One question. ``text`` is {language: text}; ``metric`` makes a rating feed satisfaction."""

    __tablename__ = "survey_questions"
    __table_args__ = (
        enum_check("kind", QuestionKind),
        Index("ix_survey_questions_survey_id_position", "survey_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    # Only for ratings: the satisfaction metric closing feeds ("Customer satisfaction"), and its
    # key as SatisfactionResult.metric_key has it.
    metric: Mapped[str | None] = mapped_column(String(80))
    metric_key: Mapped[str | None] = mapped_column(String(80))
    # In a copied wave or version: the question it was copied from (the comparison pairs them).
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="SET NULL")
    )

    survey: Mapped[Survey] = relationship(back_populates="questions")
    choices: Mapped[list[SurveyChoice]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="SurveyChoice.position, SurveyChoice.id",
    )

    @property
    def kind_enum(self) -> QuestionKind:
        return QuestionKind(self.kind)

    def text_in(self, language: str) -> str:
        return text_in(self.text, language, self.survey.main_language if self.survey else "en")

    def __repr__(self) -> str:
        return f"<SurveyQuestion {self.id} {self.kind}>"


class SurveyChoice(db.Model):  # type: ignore[name-defined]
    """A choice of a single or multiple choice question; ``text`` is {language: text}."""

    __tablename__ = "survey_choices"
    __table_args__ = (Index("ix_survey_choices_question_id_position", "question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_choices.id", ondelete="SET NULL")
    )

    question: Mapped[SurveyQuestion] = relationship(back_populates="choices")

    def text_in(self, language: str, fallback: str = "en") -> str:
        return text_in(self.text, language, fallback)


class SurveyResponse(db.Model):  # type: ignore[name-defined]
    """One set of answers. ``user_id`` only for a named (not anonymous) staff survey."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        enum_check("channel", ResponseChannel),
        # One response per person (NULLs, anonymous and customer responses, are never equal).
        UniqueConstraint("survey_id", "user_id"),
        # A double submit of the same form stores one response.
        UniqueConstraint("survey_id", "submission_key"),
        Index("ix_survey_responses_survey_id_department_id", "survey_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The branch or department it speaks for: the public link's branch, the "which branch"
    # answer, or a staff member's department. Reports group by it (above the threshold only).
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(5), default="en")
    channel: Mapped[str] = mapped_column(String(5), default=ResponseChannel.STAFF.value)
    submission_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    survey: Mapped[Survey] = relationship()
    department: Mapped[Department | None] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="SurveyAnswer.id"
    )


class SurveyParticipation(db.Model):  # type: ignore[name-defined]
    """This person has answered this anonymous survey. Deliberately nothing else: no id, no time,
    no link to the response, so the response cannot be traced back to them."""

    __tablename__ = "survey_participations"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SurveyAnswer(db.Model):  # type: ignore[name-defined]
    """One question's answer: ``value`` (ratings), ``department_id``, ``text``, or choice rows."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        CheckConstraint("value IS NULL OR (value >= 0 AND value <= 10)", name="value_in_scale"),
        Index("ix_survey_answers_survey_id_question_id", "survey_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int | None]
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()
    choices: Mapped[list[SurveyAnswerChoice]] = relationship(
        back_populates="answer", cascade="all, delete-orphan"
    )
    comment: Mapped[SurveyComment | None] = relationship(
        back_populates="answer", cascade="all, delete-orphan", uselist=False
    )

    @property
    def choice_ids(self) -> list[int]:
        return sorted(c.choice_id for c in self.choices)


class SurveyAnswerChoice(db.Model):  # type: ignore[name-defined]
    """A choice picked in a single or multiple choice answer (one row per picked choice)."""

    __tablename__ = "survey_answer_choices"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("survey_answers.id", ondelete="CASCADE"), primary_key=True
    )
    choice_id: Mapped[int] = mapped_column(
        ForeignKey("survey_choices.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    answer: Mapped[SurveyAnswer] = relationship(back_populates="choices")


class SurveyComment(db.Model):  # type: ignore[name-defined]
    """A free-text answer in the triage queue, and how it was coded (uncoded: ``coded_as`` NULL).

    ``barrier_id`` is the barrier a "new barrier" created or the one "evidence" backs: a barrier's
    survey evidence is every comment with its id. ``story_id`` is the story a "story" invited,
    once written. Never carries the respondent."""

    __tablename__ = "survey_comments"
    __table_args__ = (
        CheckConstraint(
            "coded_as IS NULL OR coded_as IN ('new_barrier', 'evidence', 'story', 'none')",
            name="coded_as_valid",
        ),
        Index("ix_survey_comments_survey_id_coded_as", "survey_id", "coded_as"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("survey_answers.id", ondelete="CASCADE"), unique=True
    )
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    coded_as: Mapped[str | None] = mapped_column(String(12))
    barrier_id: Mapped[int | None] = mapped_column(
        ForeignKey("barriers.id", ondelete="SET NULL"), index=True
    )
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("impact_stories.id", ondelete="SET NULL"), index=True
    )
    coded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    coded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    answer: Mapped[SurveyAnswer] = relationship(back_populates="comment")
    survey: Mapped[Survey] = relationship()
    question: Mapped[SurveyQuestion] = relationship()
    barrier: Mapped[Barrier | None] = relationship()
    story: Mapped[ImpactStory | None] = relationship()
    coded_by: Mapped[User | None] = relationship(foreign_keys=[coded_by_id])
    themes: Mapped[list[SurveyCommentTheme]] = relationship(
        back_populates="comment", cascade="all, delete-orphan", order_by="SurveyCommentTheme.theme"
    )

    @property
    def text(self) -> str:
        return self.answer.text or ""

    @property
    def theme_names(self) -> list[str]:
        return [t.theme for t in self.themes]


class SurveyCommentTheme(db.Model):  # type: ignore[name-defined]
    """A theme given to a comment while coding ("opening hours"); lower-cased, trimmed."""

    __tablename__ = "survey_comment_themes"
    __table_args__ = (Index("ix_survey_comment_themes_theme", "theme"),)

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("survey_comments.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(60), primary_key=True)

    comment: Mapped[SurveyComment] = relationship(back_populates="themes")


def question_texts(question: SurveyQuestion) -> dict[str, Any]:
    """The question as the API and copies carry it."""
    return {
        "kind": question.kind,
        "text": dict(question.text or {}),
        "required": question.required,
        "metric": question.metric,
        "choices": [{"id": c.id, "text": dict(c.text or {})} for c in question.choices],
    }
