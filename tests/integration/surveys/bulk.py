"""Many answers fast, for results and comparison at scale: bulk INSERTs (a handful of statements
for any number of responses), not the answering service one response at a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update

from teams_app.extensions import db
from teams_app.models import (
    Survey,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyComment,
    SurveyResponse,
)


def bulk_answer(  # noqa: C901 - a test data builder, one branch per question kind
    survey: Survey,
    responses: int,
    *,
    departments: Sequence[int | None] = (None,),
    rating: int | None = None,
    text: str | None = "Too few computers",
    prefix: str = "bulk",
) -> int:
    """Add ``responses`` customer responses to ``survey``, each answering every question
    (ratings cycle through the scale unless ``rating`` is given; choices take the first, or
    the first and last; text questions ``text``, with a triage comment). Departments cycle
    through ``departments``. Returns the number of answers stored."""
    db.session.execute(
        insert(SurveyResponse),
        [
            {
                "survey_id": survey.id,
                "department_id": departments[n % len(departments)],
                "language": "en",
                "channel": "link",
                "submission_key": f"{prefix}-{survey.id}-{n}",
            }
            for n in range(responses)
        ],
    )
    ids = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.department_id).where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.submission_key.like(f"{prefix}-{survey.id}-%"),
        )
    ).all()
    rows = []
    for n, (response_id, department_id) in enumerate(ids):
        for q in survey.questions:
            kind = q.kind_enum
            row = {
                "response_id": response_id,
                "survey_id": survey.id,
                "question_id": q.id,
                "value": None,
                "department_id": None,
                "text": None,
            }
            if kind.is_rating:
                low, high = kind.scale or (1, 5)
                row["value"] = rating if rating is not None else low + n % (high - low + 1)
            elif kind.value == "department":
                if department_id is None:
                    continue
                row["department_id"] = department_id
            elif kind.is_text:
                if not text:
                    continue
                row["text"] = text
            rows.append(row)
    db.session.execute(insert(SurveyAnswer), rows)
    answers = db.session.execute(
        select(SurveyAnswer.id, SurveyAnswer.question_id).where(
            SurveyAnswer.survey_id == survey.id,
            SurveyAnswer.response_id.in_(
                select(SurveyResponse.id).where(
                    SurveyResponse.submission_key.like(f"{prefix}-{survey.id}-%")
                )
            ),
        )
    ).all()
    by_id = {q.id: q for q in survey.questions}
    picks, comments = [], []
    for answer_id, question_id in answers:
        q = by_id[question_id]
        if q.kind_enum.is_choice:
            chosen = [q.choices[0]]
            if q.kind == "multiple":
                chosen.append(q.choices[-1])
            picks += [{"answer_id": answer_id, "choice_id": c.id} for c in chosen]
        elif q.kind_enum.is_text:
            comments.append(
                {"answer_id": answer_id, "survey_id": survey.id, "question_id": question_id}
            )
    if picks:
        db.session.execute(insert(SurveyAnswerChoice), picks)
    if comments:
        db.session.execute(insert(SurveyComment), comments)
    db.session.execute(
        update(Survey)
        .where(Survey.id == survey.id)
        .values(response_count=Survey.response_count + responses)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire_all()
    return len(rows)
