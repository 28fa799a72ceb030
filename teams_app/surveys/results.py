"""Survey results: per question figures, filterable by branch or department, the waves of a
survey, the wave-against-wave comparison, and the CSV export of the answers.

Every figure is a GROUP BY, so a page costs a fixed number of queries however many answers there
are (``tests/integration/surveys/test_results.py`` asserts it with 20,000 answers).

The anonymity threshold (``SURVEY_MIN_GROUP``, default ``ANONYMITY_THRESHOLD`` = 5) works as closing
a survey does (``services.close``):

- a branch or department with fewer respondents is never shown on its own: it is not offered as
  a filter, asking for it is refused with a message (``GroupTooSmall``), and it is left out of a
  "which branch or department" question's distribution;
- an anonymous survey with fewer respondents in all shows no results at all (``withheld``), and
  its CSV export is refused; its export never carries a name, a time or a response id, lists the
  rows in no particular order, and blanks the branch of a group under the threshold.

Who sees what (``teams_app.permissions``): owners and leadership see a survey's results at any
time; everyone signed in sees them once the survey is closed ("published results"). The export
and the comparison are for owners and leadership.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from teams_app.barriers.queries import neutralise
from teams_app.errors import InvalidInput
from teams_app.extensions import db
from teams_app.models import (
    Barrier,
    BarrierStatus,
    CommentCode,
    Department,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyComment,
    SurveyCommentTheme,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    User,
)
from teams_app.permissions import can
from teams_app.satisfaction.figures import Point, change_pct
from teams_app.surveys.services import get_survey, min_group


class GroupTooSmall(InvalidInput):
    """A branch or department with fewer respondents than the threshold was asked for."""

    def __init__(self, name: str, threshold: int) -> None:
        message = (
            f"Fewer than {threshold} people answered for {name}, so its results are not shown "
            "on their own: a group this small could let someone recognise who said what."
        )
        super().__init__(message, fields={"department_id": [message]})


class TooFewToExport(InvalidInput):
    def __init__(self, threshold: int) -> None:
        message = (
            f"This anonymous survey has fewer than {threshold} responses, so its answers cannot "
            "be exported yet."
        )
        super().__init__(message, fields={"survey": [message]})


def _mean(total: int, count: int) -> Decimal | None:
    if count == 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _share(count: int, total: int) -> float:
    return round(count / total * 100, 1) if total else 0.0


# --- Per question results -----------------------------------------------------------------------


@dataclass
class Bucket:
    """One bar: a rating value, a choice (its id) or a department (its id)."""

    value: int
    label: str
    count: int
    share: float  # percent of the question's answers (of respondents, for multiple choice)


@dataclass
class QuestionResult:
    question: SurveyQuestion
    count: int
    mean: Decimal | None = None
    distribution: list[Bucket] = field(default_factory=list)
    # "Which branch or department": groups left out for being under the threshold.
    hidden_groups: int = 0

    @property
    def question_id(self) -> int:
        return self.question.id

    @property
    def kind(self) -> QuestionKind:
        return self.question.kind_enum

    @property
    def scale_max(self) -> int | None:
        scale = self.kind.scale
        return scale[1] if scale else None


@dataclass
class Group:
    """A branch or department respondents answered for, with enough of them to be shown."""

    id: int
    name: str
    respondents: int


@dataclass
class Results:
    survey: Survey
    threshold: int
    respondents: int  # in the chosen group (or the whole survey)
    department_id: int | None = None
    department: str | None = None
    questions: list[QuestionResult] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    # Why nothing is shown (an anonymous survey under the threshold), else None.
    withheld: str | None = None


def _respondents_by_group(survey: Survey) -> dict[int | None, int]:
    return {
        department_id: count
        for department_id, count in db.session.execute(
            select(SurveyResponse.department_id, func.count(SurveyResponse.id))
            .where(SurveyResponse.survey_id == survey.id)
            .group_by(SurveyResponse.department_id)
        ).all()
    }


def _department_names() -> dict[int, str]:
    return dict(
        db.session.execute(
            select(Department.id, Department.name).order_by(Department.name, Department.id)
        ).all()
    )


def results(survey: Survey, department_id: int | None = None) -> Results:  # noqa: C901 - one pass per question kind over the answers; split with the results tests
    """Per question: the answer count, for ratings the mean and each value's count, for choices
    each choice's count, for "which branch or department" each group's count (groups under the
    threshold left out); text questions give their count. ``department_id`` keeps the answers of
    respondents who answered for that branch or department; a group under the threshold is
    refused (``GroupTooSmall``). Four queries (the survey and its questions already loaded)."""
    threshold = min_group()
    by_group = _respondents_by_group(survey)
    names = _department_names()
    total = sum(by_group.values())
    groups = sorted(
        (
            Group(d, names[d], n)
            for d, n in by_group.items()
            if d is not None and d in names and n >= threshold
        ),
        key=lambda g: (g.name.lower(), g.id),
    )
    out = Results(survey, threshold, total, groups=groups)
    if department_id is not None:
        if department_id not in names:
            raise InvalidInput.on("department_id", "There is no such branch or department.")
        out.department_id, out.department = department_id, names[department_id]
        out.respondents = by_group.get(department_id, 0)
        if out.respondents < threshold:
            raise GroupTooSmall(names[department_id], threshold)
    elif survey.anonymous and 0 < total < threshold:
        out.withheld = (
            f"Results appear once at least {threshold} people have answered: with fewer, "
            "someone could be recognised from their answers."
        )
        return out

    answers = select(
        SurveyAnswer.question_id,
        SurveyAnswer.value,
        SurveyAnswer.department_id,
        func.count(SurveyAnswer.id),
    ).where(SurveyAnswer.survey_id == survey.id)
    picked = (
        select(SurveyAnswer.question_id, SurveyAnswerChoice.choice_id, func.count())
        .join(SurveyAnswer, SurveyAnswer.id == SurveyAnswerChoice.answer_id)
        .where(SurveyAnswer.survey_id == survey.id)
    )
    if department_id is not None:
        answers = answers.join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id).where(
            SurveyResponse.department_id == department_id
        )
        picked = picked.join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id).where(
            SurveyResponse.department_id == department_id
        )
    counts: dict[int, int] = defaultdict(int)
    values: dict[int, dict[int, int]] = defaultdict(dict)
    departments: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, value, answer_department, n in db.session.execute(
        answers.group_by(SurveyAnswer.question_id, SurveyAnswer.value, SurveyAnswer.department_id)
    ).all():
        counts[question_id] += n
        if value is not None:
            values[question_id][value] = values[question_id].get(value, 0) + n
        if answer_department is not None:
            departments[question_id][answer_department] = n
    chosen: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, choice_id, n in db.session.execute(
        picked.group_by(SurveyAnswer.question_id, SurveyAnswerChoice.choice_id)
    ).all():
        chosen[question_id][choice_id] = n

    language = survey.main_language
    for q in survey.questions:
        kind = q.kind_enum
        count = counts.get(q.id, 0)
        result = QuestionResult(q, count)
        if kind.is_rating:
            low, high = kind.scale or (1, 5)
            got = values.get(q.id, {})
            result.mean = _mean(sum(v * n for v, n in got.items()), count)
            result.distribution = [
                Bucket(v, str(v), got.get(v, 0), _share(got.get(v, 0), count))
                for v in range(low, high + 1)
            ]
        elif kind.is_choice:
            got = chosen.get(q.id, {})
            result.distribution = [
                Bucket(c.id, c.text_in(language), got.get(c.id, 0), _share(got.get(c.id, 0), count))
                for c in q.choices
            ]
        elif kind is QuestionKind.DEPARTMENT:
            got = departments.get(q.id, {})
            shown = {d: n for d, n in got.items() if n >= threshold and d in names}
            result.hidden_groups = len(got) - len(shown)
            result.distribution = sorted(
                (Bucket(d, names[d], n, _share(n, count)) for d, n in shown.items()),
                key=lambda b: (-b.count, b.label.lower()),
            )
        out.questions.append(result)
    return out


# --- Waves --------------------------------------------------------------------------------------


@dataclass
class Wave:
    id: int
    wave: int
    title: str
    status: str
    response_count: int


def waves(survey: Survey) -> list[Wave]:
    """Every wave of ``survey``'s series (the waves it was copied from, and those copied from
    it), first wave first; drafts left out. One query."""
    up = (
        select(Survey.id, Survey.previous_wave_id)
        .where(Survey.id == survey.id)
        .cte("waves_up", recursive=True)
    )
    up = up.union(
        select(Survey.id, Survey.previous_wave_id).join(up, Survey.id == up.c.previous_wave_id)
    )
    down = select(Survey.id).where(Survey.id == survey.id).cte("waves_down", recursive=True)
    down = down.union(select(Survey.id).join(down, Survey.previous_wave_id == down.c.id))
    rows = db.session.execute(
        select(Survey.id, Survey.wave, Survey.title, Survey.status, Survey.response_count)
        .where(
            or_(Survey.id.in_(select(up.c.id)), Survey.id.in_(select(down.c.id))),
            or_(Survey.status != SurveyStatus.DRAFT.value, Survey.id == survey.id),
        )
        .order_by(Survey.wave, Survey.id)
    ).all()
    return [Wave(*row) for row in rows]


# --- Wave against wave --------------------------------------------------------------------------


@dataclass
class RatingChange:
    question: SurveyQuestion  # this wave's
    previous_question_id: int
    scale_max: int
    before: Decimal | None
    before_count: int
    after: Decimal | None
    after_count: int

    @property
    def question_id(self) -> int:
        return self.question.id

    @property
    def change_pct(self) -> float | None:
        """As the satisfaction page: the relative change of the mean as a share of its scale
        (``satisfaction.figures.change_pct``); None without both means or from a mean of 0."""
        if self.before is None or self.after is None:
            return None
        scale = Decimal(self.scale_max)
        return change_pct(
            Point("before", self.before, scale, self.before_count),
            Point("after", self.after, scale, self.after_count),
        )

    @property
    def change_text(self) -> str:
        pct = self.change_pct
        if self.before is None or self.after is None:
            return "No comparison (a wave has no answers to show)"
        if pct is None:
            return "No comparison (the earlier mean is 0)"
        if pct == 0:
            return "No change since the previous wave"
        return f"{pct:+.1f}% since the previous wave"


@dataclass
class ThemeShare:
    theme: str
    before_count: int
    before_share: float  # percent of the wave's coded comments
    after_count: int
    after_share: float


@dataclass
class BarrierFollowUp:
    """A barrier coded from the earlier wave, where it stands now, and how many comments in the
    new wave still point to it (coded as evidence for it)."""

    barrier_id: int
    title: str
    status: str
    mentions_before: int
    mentions_after: int

    @property
    def status_label(self) -> str:
        return BarrierStatus(self.status).label


@dataclass
class Comparison:
    survey: Survey
    previous: Survey | None
    threshold: int
    ratings: list[RatingChange] = field(default_factory=list)
    themes: list[ThemeShare] = field(default_factory=list)
    barriers: list[BarrierFollowUp] = field(default_factory=list)
    comments_before: int = 0
    coded_before: int = 0
    comments_after: int = 0
    coded_after: int = 0
    # Waves whose figures are withheld (an anonymous survey under the threshold).
    withheld: list[int] = field(default_factory=list)


def comparison(survey: Survey) -> Comparison:  # noqa: C901 - the wave comparison's one pass; split with its tests
    """``survey`` against the wave it was copied from (``previous_wave_id``): each rating
    question's mean before and after with its answer counts and change, each theme's share of
    the coded comments in both waves, and every barrier coded from the earlier wave (as a new
    barrier or as evidence) with its status now and its mentions in the new wave. Questions are
    paired by ``copied_from_id``. Seven queries (the survey already loaded)."""
    threshold = min_group()
    if survey.previous_wave_id is None:
        return Comparison(survey, None, threshold)
    previous = get_survey(survey.previous_wave_id)
    out = Comparison(survey, previous, threshold)
    ids = (previous.id, survey.id)
    if survey.anonymous or previous.anonymous:
        out.withheld = [s.id for s in (previous, survey) if s.response_count < threshold]

    sums: dict[tuple[int, int], tuple[int, int]] = {
        (survey_id, question_id): (n, int(total or 0))
        for survey_id, question_id, n, total in db.session.execute(
            select(
                SurveyAnswer.survey_id,
                SurveyAnswer.question_id,
                func.count(SurveyAnswer.id),
                func.sum(SurveyAnswer.value),
            )
            .where(SurveyAnswer.survey_id.in_(ids), SurveyAnswer.value.is_not(None))
            .group_by(SurveyAnswer.survey_id, SurveyAnswer.question_id)
        ).all()
    }
    earlier = {q.id: q for q in previous.questions if q.kind_enum.is_rating}
    for q in survey.questions:
        scale = q.kind_enum.scale
        match = earlier.get(q.copied_from_id or 0)
        if scale is None or match is None or match.kind != q.kind:
            continue
        b_count, b_total = sums.get((previous.id, match.id), (0, 0))
        a_count, a_total = sums.get((survey.id, q.id), (0, 0))
        out.ratings.append(
            RatingChange(
                q,
                match.id,
                scale[1],
                None if previous.id in out.withheld else _mean(b_total, b_count),
                b_count,
                None if survey.id in out.withheld else _mean(a_total, a_count),
                a_count,
            )
        )

    for survey_id, n, coded in db.session.execute(
        select(
            SurveyComment.survey_id,
            func.count(SurveyComment.id),
            func.count(SurveyComment.coded_as),
        )
        .where(SurveyComment.survey_id.in_(ids))
        .group_by(SurveyComment.survey_id)
    ).all():
        if survey_id == previous.id:
            out.comments_before, out.coded_before = n, coded
        else:
            out.comments_after, out.coded_after = n, coded
    themes: dict[str, dict[int, int]] = defaultdict(dict)
    for survey_id, theme, n in db.session.execute(
        select(SurveyComment.survey_id, SurveyCommentTheme.theme, func.count())
        .join(SurveyComment, SurveyComment.id == SurveyCommentTheme.comment_id)
        .where(SurveyComment.survey_id.in_(ids))
        .group_by(SurveyComment.survey_id, SurveyCommentTheme.theme)
    ).all():
        themes[theme][survey_id] = n
    out.themes = sorted(
        (
            ThemeShare(
                theme,
                by.get(previous.id, 0),
                _share(by.get(previous.id, 0), out.coded_before),
                by.get(survey.id, 0),
                _share(by.get(survey.id, 0), out.coded_after),
            )
            for theme, by in themes.items()
        ),
        key=lambda t: (-(t.after_count + t.before_count), t.theme),
    )

    mentions: dict[int, dict[int, int]] = defaultdict(dict)
    for survey_id, barrier_id, coded_as, n in db.session.execute(
        select(
            SurveyComment.survey_id,
            SurveyComment.barrier_id,
            SurveyComment.coded_as,
            func.count(SurveyComment.id),
        )
        .where(
            SurveyComment.survey_id.in_(ids),
            SurveyComment.barrier_id.is_not(None),
            SurveyComment.coded_as.in_((CommentCode.NEW_BARRIER.value, CommentCode.EVIDENCE.value)),
        )
        .group_by(SurveyComment.survey_id, SurveyComment.barrier_id, SurveyComment.coded_as)
    ).all():
        if barrier_id is None or (
            survey_id == survey.id and coded_as != CommentCode.EVIDENCE.value
        ):
            continue  # a new barrier from this wave is not one the earlier wave found
        mentions[barrier_id][survey_id] = mentions[barrier_id].get(survey_id, 0) + n
    found = [b for b, by in mentions.items() if previous.id in by]
    if found:
        rows = db.session.execute(
            select(Barrier.id, Barrier.title, Barrier.status).where(Barrier.id.in_(found))
        ).all()
        out.barriers = sorted(
            (
                BarrierFollowUp(
                    barrier_id,
                    title,
                    status,
                    mentions[barrier_id].get(previous.id, 0),
                    mentions[barrier_id].get(survey.id, 0),
                )
                for barrier_id, title, status in rows
            ),
            key=lambda b: (-b.mentions_after, -b.mentions_before, b.barrier_id),
        )
    return out


def latest_compared(viewer: User) -> Survey | None:
    """The newest published survey with a previous wave that ``viewer`` may compare: where the
    portfolio and satisfaction pages' link goes."""

    candidates = db.session.scalars(
        select(Survey)
        .where(Survey.previous_wave_id.is_not(None), Survey.status != SurveyStatus.DRAFT.value)
        .options(selectinload(Survey.owners))
        .order_by(Survey.opens_on.desc(), Survey.id.desc())
        .limit(50)
    ).all()
    return next((s for s in candidates if can(viewer, "compare_survey_waves", s)), None)


# --- CSV export ---------------------------------------------------------------------------------


def export_check(survey: Survey, department_id: int | None = None) -> None:
    """Raise before any line is sent when the export would break the threshold."""
    threshold = min_group()
    by_group = _respondents_by_group(survey)
    if department_id is not None:
        name = db.session.scalar(select(Department.name).where(Department.id == department_id))
        if name is None:
            raise InvalidInput.on("department_id", "There is no such branch or department.")
        if by_group.get(department_id, 0) < threshold:
            raise GroupTooSmall(name, threshold)
    elif survey.anonymous and 0 < sum(by_group.values()) < threshold:
        raise TooFewToExport(threshold)


def csv_lines(survey: Survey, department_id: int | None = None, batch: int = 500) -> Iterator[str]:
    """The answers as CSV, a line at a time: one row per response, one column per question.
    Every cell is formula-safe (``barriers.queries.neutralise``). Call ``export_check`` first.

    A named staff survey gives the respondent's name and the time; an anonymous one gives
    neither (nor the response id: rows are numbered, in no particular order) and blanks the
    branch or department of any group under the threshold. What needs the survey's objects is
    read now; the lines are made as the response is streamed (by then the objects may be
    detached), from plain values and fresh queries."""
    threshold = min_group()
    anonymous = survey.anonymous
    named = not anonymous and survey.audience_enum.includes_staff
    language = survey.main_language
    names = _department_names()
    small = {d for d, n in _respondents_by_group(survey).items() if n < threshold}
    question_ids = [q.id for q in survey.questions]
    titles = [f"Q{i}. {q.text_in(language)}" for i, q in enumerate(survey.questions, 1)]
    choice_text = {c.id: c.text_in(language) for q in survey.questions for c in q.choices}
    stmt = select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id)
    if department_id is not None:
        stmt = stmt.where(SurveyResponse.department_id == department_id)
    ids = list(db.session.scalars(stmt.order_by(SurveyResponse.id)))
    if anonymous:
        random.SystemRandom().shuffle(ids)

    def group_name(department: int | None) -> str:
        if department is None:
            return ""
        if anonymous and department in small:
            return f"(a group of fewer than {threshold})"
        return names.get(department, "")

    header: list[object] = ["response"]
    if not anonymous:
        header.append("submitted")
    header += ["channel", "language", "branch or department"]
    if named:
        header.append("respondent")
    header += titles
    return _csv_rows(header, ids, question_ids, choice_text, group_name, anonymous, named, batch)


def _csv_rows(  # noqa: C901 - one row shape per question kind; split with the CSV export tests
    header: list[object],
    ids: list[int],
    question_ids: list[int],
    choice_text: dict[int, str],
    group_name: Callable[[int | None], str],
    anonymous: bool,
    named: bool,
    batch: int,
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(v) for v in values])
        return buffer.getvalue()

    yield "\ufeff" + line(header)  # a BOM so spreadsheet apps read UTF-8
    number = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        loaded = {
            r.id: r
            for r in db.session.scalars(
                select(SurveyResponse)
                .where(SurveyResponse.id.in_(chunk))
                .options(selectinload(SurveyResponse.answers).selectinload(SurveyAnswer.choices))
            )
        }
        people: dict[int, str] = {}
        if named:
            user_ids = {r.user_id for r in loaded.values() if r.user_id is not None}
            if user_ids:
                people = {
                    user_id: name
                    for user_id, name in db.session.execute(
                        select(User.id, User.name).where(User.id.in_(user_ids))
                    ).all()
                }
        for response_id in chunk:
            response = loaded.get(response_id)
            if response is None:
                continue
            number += 1
            by_question = {a.question_id: a for a in response.answers}
            row: list[object] = [number if anonymous else response.id]
            if not anonymous:
                row.append(response.created_at.strftime("%Y-%m-%d %H:%M UTC"))
            row += [response.channel, response.language, group_name(response.department_id)]
            if named:
                row.append(people.get(response.user_id or 0, ""))
            for question_id in question_ids:
                a = by_question.get(question_id)
                if a is None:
                    row.append("")
                elif a.value is not None:
                    row.append(a.value)
                elif a.department_id is not None:
                    row.append(group_name(a.department_id))
                elif a.text is not None:
                    row.append(a.text)
                else:
                    row.append("; ".join(choice_text.get(i, "") for i in a.choice_ids))
            yield line(row)
