"""API: a survey's results and its comparison with the previous wave, the same figures as the
pages (``teams_app.surveys.results``). A survey the caller may not see is 404; one they may see
but whose results are not theirs to read is 403."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from teams_app.api.auth import api_user, protect
from teams_app.api.schemas import Id, QuerySchema
from teams_app.models import Survey
from teams_app.permissions import can
from teams_app.surveys import results, services

blp = protect(Blueprint("api_survey_results", __name__, description="Survey results"))


def _survey(survey_id: int, action: str) -> Survey:
    survey = services.get_survey(survey_id, api_user())
    if not can(api_user(), action, survey):
        abort(403, description="Your role does not allow this.")
    return survey


# --- Schemas ------------------------------------------------------------------------------------


class ResultsArgsSchema(QuerySchema):
    department_id = Id(
        metadata={
            "description": "Only respondents who answered for this branch or department. A "
            "group under the anonymity threshold is refused with 422 (`fields.department_id`)."
        }
    )


class BucketSchema(ma.Schema):
    value = fields.Integer(
        metadata={"description": "The rating, the choice id, or the department id"}
    )
    label = fields.String(metadata={"description": "The rating, the choice's or department's name"})
    count = fields.Integer()


class QuestionResultSchema(ma.Schema):
    question_id = fields.Integer()
    kind = fields.String()
    count = fields.Integer(metadata={"description": "How many answered the question"})
    mean = fields.Float(
        allow_none=True,
        metadata={
            "description": "Ratings only (absent otherwise): the mean, to two decimals; null "
            "when nobody answered"
        },
    )
    distribution = fields.List(
        fields.Nested(BucketSchema),
        metadata={
            "description": "Ratings: every value of the scale; choices: every choice; "
            "departments: each group with at least `min_group` answers. Empty for text."
        },
    )
    hidden_groups = fields.Integer(
        metadata={"description": "Department questions: groups left out under the threshold"}
    )


class GroupSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    respondents = fields.Integer()


class SurveyResultsSchema(ma.Schema):
    survey_id = fields.Integer()
    department_id = fields.Integer(allow_none=True)
    respondents = fields.Integer(metadata={"description": "In the chosen group, or in all"})
    min_group = fields.Integer(
        metadata={"description": "The anonymity threshold: smaller groups are never shown"}
    )
    withheld = fields.String(
        allow_none=True,
        metadata={
            "description": "Why `questions` is empty: an anonymous survey with fewer than "
            "`min_group` respondents. null otherwise."
        },
    )
    groups = fields.List(
        fields.Nested(GroupSchema),
        metadata={"description": "Branches and departments that may be asked for"},
    )
    questions = fields.List(fields.Nested(QuestionResultSchema))


class RatingChangeSchema(ma.Schema):
    question_id = fields.Integer()
    previous_question_id = fields.Integer()
    scale_max = fields.Integer()
    before = fields.Float(allow_none=True, metadata={"description": "The earlier wave's mean"})
    after = fields.Float(allow_none=True, metadata={"description": "This wave's mean"})
    respondents_before = fields.Integer()
    respondents_after = fields.Integer()
    change_pct = fields.Float(
        allow_none=True,
        metadata={
            "description": "As GET /satisfaction/summary: the relative change of the mean as "
            "a share of its scale, in percent to one decimal. 3.0 of 5 to 4.0 of 5 is 33.3. "
            "null when a mean is missing (or withheld) or the earlier one is 0."
        },
    )
    change_text = fields.String(metadata={"example": "+33.3% since the previous wave"})


class ThemeShareSchema(ma.Schema):
    theme = fields.String()
    before = fields.Float(metadata={"description": "Percent of the earlier wave's coded comments"})
    after = fields.Float(metadata={"description": "Percent of this wave's coded comments"})
    before_count = fields.Integer()
    after_count = fields.Integer()


class BarrierFollowUpSchema(ma.Schema):
    barrier_id = fields.Integer()
    title = fields.String()
    status = fields.String(metadata={"description": "open, addressing, removed or accepted"})
    mentions_before = fields.Integer(
        metadata={"description": "Earlier-wave comments coded to it (new barrier or evidence)"}
    )
    mentions_after = fields.Integer(
        metadata={"description": "This wave's comments coded as evidence for it"}
    )


class CommentCountSchema(ma.Schema):
    total = fields.Integer()
    coded = fields.Integer()


class CommentsSchema(ma.Schema):
    before = fields.Nested(CommentCountSchema)
    after = fields.Nested(CommentCountSchema)


class ComparisonSchema(ma.Schema):
    survey_id = fields.Integer()
    previous_wave_id = fields.Integer(
        allow_none=True, metadata={"description": "null for a first wave (every list is empty)"}
    )
    min_group = fields.Integer()
    withheld = fields.List(
        fields.Integer(),
        metadata={"description": "Anonymous waves under the threshold: their means are null"},
    )
    ratings = fields.List(fields.Nested(RatingChangeSchema))
    themes = fields.List(fields.Nested(ThemeShareSchema))
    barriers = fields.List(fields.Nested(BarrierFollowUpSchema))
    comments = fields.Nested(CommentsSchema)


# --- Bodies -------------------------------------------------------------------------------------


def results_body(found: results.Results) -> dict[str, Any]:
    questions = []
    for q in found.questions:
        item: dict[str, Any] = {
            "question_id": q.question_id,
            "kind": q.kind.value,
            "count": q.count,
            "distribution": [
                {"value": b.value, "label": b.label, "count": b.count} for b in q.distribution
            ],
            "hidden_groups": q.hidden_groups,
        }
        if q.kind.is_rating:
            item["mean"] = None if q.mean is None else float(q.mean)
        questions.append(item)
    return {
        "survey_id": found.survey.id,
        "department_id": found.department_id,
        "respondents": found.respondents,
        "min_group": found.threshold,
        "withheld": found.withheld,
        "groups": [
            {"id": g.id, "name": g.name, "respondents": g.respondents} for g in found.groups
        ],
        "questions": questions,
    }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def comparison_body(c: results.Comparison) -> dict[str, Any]:
    return {
        "survey_id": c.survey.id,
        "previous_wave_id": c.previous.id if c.previous else None,
        "min_group": c.threshold,
        "withheld": c.withheld,
        "ratings": [
            {
                "question_id": r.question_id,
                "previous_question_id": r.previous_question_id,
                "scale_max": r.scale_max,
                "before": _number(r.before),
                "after": _number(r.after),
                "respondents_before": r.before_count,
                "respondents_after": r.after_count,
                "change_pct": r.change_pct,
                "change_text": r.change_text,
            }
            for r in c.ratings
        ],
        "themes": [
            {
                "theme": t.theme,
                "before": t.before_share,
                "after": t.after_share,
                "before_count": t.before_count,
                "after_count": t.after_count,
            }
            for t in c.themes
        ],
        "barriers": [
            {
                "barrier_id": b.barrier_id,
                "title": b.title,
                "status": b.status,
                "mentions_before": b.mentions_before,
                "mentions_after": b.mentions_after,
            }
            for b in c.barriers
        ],
        "comments": {
            "before": {"total": c.comments_before, "coded": c.coded_before},
            "after": {"total": c.comments_after, "coded": c.coded_after},
        },
    }


# --- Endpoints ----------------------------------------------------------------------------------


@blp.route("/surveys/<int:survey_id>/results")
class Results(MethodView):
    @blp.arguments(ResultsArgsSchema, location="query")
    @blp.response(200, SurveyResultsSchema)
    def get(self, args: dict[str, Any], survey_id: int) -> dict[str, Any]:
        """Per question: `{question_id, count, mean?, distribution: [{value, count}]}`, for
        everyone or one branch or department. Owners and leadership at any time; everyone once
        the survey is closed. Groups under the anonymity threshold are left out."""
        survey = _survey(survey_id, "view_survey_results")
        return results_body(results.results(survey, args.get("department_id")))


@blp.route("/surveys/<int:survey_id>/comparison")
class Comparison(MethodView):
    @blp.response(200, ComparisonSchema)
    def get(self, survey_id: int) -> dict[str, Any]:
        """This wave against `previous_wave_id` (owners and leadership): per rating question
        `{question_id, before, after, change_pct}` with respondent counts, each theme's share of
        the coded comments, and per barrier coded from the earlier wave `{barrier_id, status,
        mentions_after}`."""
        survey = _survey(survey_id, "compare_survey_waves")
        return comparison_body(results.comparison(survey))
