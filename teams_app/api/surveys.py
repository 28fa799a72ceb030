"""API: surveys (build, publish, close, copy), answering (signed in for staff surveys, with no
token for open customer surveys), and the triage queue of comments. Each endpoint parses and
serialises only, and calls the same service as the pages (``teams_app.surveys.services`` and
``teams_app.surveys.triage``). Results and the wave comparison live in ``survey_results``."""

from __future__ import annotations

from functools import wraps
from typing import Any

import marshmallow as ma
from flask import abort, current_app, g, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from marshmallow import fields, validate

from teams_app.api.auth import (
    authenticate_request,
    rate_limit_key,
    require_api,
    require_json_body,
)
from teams_app.api.barriers import BarrierFieldsSchema, BarrierRefSchema
from teams_app.api.schemas import BodySchema, Id, PageArgsSchema, UTCDateTime, page_body, page_of
from teams_app.api.teams import UserRefSchema
from teams_app.database import enum_values
from teams_app.errors import InvalidInput, NotFound
from teams_app.extensions import csrf, limiter
from teams_app.models import (
    CommentCode,
    QuestionKind,
    Survey,
    SurveyAudience,
    SurveyComment,
    SurveyResponse,
    SurveyStatus,
    User,
)
from teams_app.models.surveys import SURVEY_LANGUAGES
from teams_app.pagination import Page
from teams_app.permissions import can
from teams_app.surveys import services, triage
from teams_app.surveys.services import (
    ChoiceDetails,
    QuestionDetails,
    Submission,
    SurveyDetails,
)
from teams_app.versioning import StaleEdit, api_version

KINDS = enum_values(QuestionKind)
AUDIENCES = enum_values(SurveyAudience)
STATUSES = enum_values(SurveyStatus)
CODES = enum_values(CommentCode)
RESPONSES_ENDPOINT = "api_surveys.SurveyResponses"

blp = Blueprint("api_surveys", __name__, description="Surveys and their triage queue")


def _authenticate() -> None:
    """Bearer auth for every endpoint, except that a customer answers an open customer survey
    with no token at all (``POST /surveys/{id}/responses`` without ``Authorization``)."""
    if request.endpoint == RESPONSES_ENDPOINT and not request.headers.get("Authorization"):
        g.api_user = None
        return
    authenticate_request()


blp.before_request(_authenticate)
blp.before_request(require_json_body)
csrf.exempt(blp)
limiter.limit("300 per minute", key_func=rate_limit_key)(blp)


def _caller() -> User:
    user: User = g.api_user
    return user


# --- Schemas ------------------------------------------------------------------------------------


def _texts(**kwargs: Any) -> fields.Dict:
    metadata = {"description": 'By language: {"en": "...", "es": "..."}'}
    metadata.update(kwargs.pop("metadata", {}))
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(SURVEY_LANGUAGES)),
        values=fields.String(validate=validate.Length(max=services.INTRO_MAX)),
        metadata=metadata,
        **kwargs,
    )


class ChoiceInSchema(BodySchema):
    id = Id(metadata={"description": "Keep an existing choice (its answers stay with it)"})
    text = _texts(required=True)


class QuestionInSchema(BodySchema):
    id = Id(metadata={"description": "Keep an existing question"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    text = _texts(required=True)
    required = fields.Boolean(load_default=False)
    metric = fields.String(
        allow_none=True,
        validate=validate.Length(max=services.METRIC_MAX),
        metadata={"description": "Ratings only: the satisfaction metric closing feeds"},
    )
    choices = fields.List(fields.Nested(ChoiceInSchema), load_default=list)


class SurveyFieldsSchema(BodySchema):
    title = fields.String(validate=validate.Length(min=1, max=services.TITLE_MAX))
    intro = fields.String(allow_none=True, validate=validate.Length(max=services.INTRO_MAX))
    title_i18n = _texts(metadata={"description": "The title in languages other than the first"})
    intro_i18n = _texts(metadata={"description": "The intro in languages other than the first"})
    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    opens_on = fields.Date()
    closes_on = fields.Date()
    anonymous = fields.Boolean()
    languages = fields.List(
        fields.String(validate=validate.OneOf(SURVEY_LANGUAGES)),
        validate=validate.Length(min=1, max=len(SURVEY_LANGUAGES)),
        metadata={"description": "Offered languages, the main one first"},
    )
    questions = fields.List(
        fields.Nested(QuestionInSchema),
        validate=validate.Length(max=services.MAX_QUESTIONS),
        metadata={"description": "The whole list, in order (replaces the questions)"},
    )
    owner_ids = fields.List(Id(), metadata={"description": "Survey owners (leadership only)"})


class SurveyCreateSchema(SurveyFieldsSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=services.TITLE_MAX))
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)


class SurveyPatchSchema(SurveyFieldsSchema):
    version = fields.Integer(metadata={"description": "Required here or as If-Match"})


class ChoiceSchema(ma.Schema):
    id = fields.Integer()
    text = fields.Dict(keys=fields.String(), values=fields.String())


class QuestionSchema(ma.Schema):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String(validate=validate.OneOf(KINDS))
    text = fields.Dict(keys=fields.String(), values=fields.String())
    required = fields.Boolean()
    metric = fields.String(allow_none=True)
    choices = fields.List(fields.Nested(ChoiceSchema))


class OwnerSchema(ma.Schema):
    user = fields.Nested(UserRefSchema)


class SurveySchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    intro = fields.String(allow_none=True)
    title_i18n = fields.Dict(keys=fields.String(), values=fields.String())
    intro_i18n = fields.Dict(keys=fields.String(), values=fields.String())
    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    status = fields.String(validate=validate.OneOf(STATUSES))
    opens_on = fields.Date()
    closes_on = fields.Date()
    anonymous = fields.Boolean()
    languages = fields.List(fields.String())
    wave = fields.Integer()
    previous_wave_id = fields.Integer(allow_none=True)
    revision_of_id = fields.Integer(allow_none=True)
    response_count = fields.Integer()
    questions_locked = fields.Boolean()
    results_period = fields.String(allow_none=True)
    public_token = fields.Method(
        "token",
        metadata={
            "type": "string",
            "nullable": True,
            "description": "The public link's key (/s/{token}), for owners of customer surveys",
        },
    )
    published_at = UTCDateTime(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)
    version = fields.Integer()

    def token(self, survey: Survey) -> str | None:
        user = g.get("api_user")
        if user is None or not survey.audience_enum.includes_customers:
            return None
        return survey.public_token if can(user, "manage_survey", survey) else None


class SurveyDetailSchema(SurveySchema):
    questions = fields.List(fields.Nested(QuestionSchema))
    owners = fields.Method(
        "owner_list",
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/UserRef"}},
    )

    def owner_list(self, survey: Survey) -> list[dict[str, Any]]:
        dumped: list[dict[str, Any]] = UserRefSchema(many=True).dump(
            [o.user for o in survey.owners]
        )
        return dumped


class SurveyArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    audience = fields.String(validate=validate.OneOf(AUDIENCES))


class PublishSchema(BodySchema):
    announce = fields.Boolean(
        load_default=False, metadata={"description": "Mail the staff (staff surveys)"}
    )


class CopySchema(BodySchema):
    opens_on = fields.Date(metadata={"description": "Default today"})
    closes_on = fields.Date(metadata={"description": "Default: as long as the source ran"})


class ClosingFigureSchema(ma.Schema):
    metric = fields.String()
    department_id = fields.Integer(allow_none=True)
    department = fields.String(allow_none=True)
    score = fields.Float()
    scale_max = fields.Float()
    respondents = fields.Integer()
    recorded = fields.Boolean(
        metadata={"description": "False: that month's figure already existed and was kept"}
    )


class ClosedSurveySchema(SurveyDetailSchema):
    satisfaction_results = fields.List(fields.Nested(ClosingFigureSchema))


class AnswerInSchema(BodySchema):
    question_id = Id(required=True)
    value = fields.Raw(
        required=True,
        allow_none=True,
        metadata={
            "description": "An integer for ratings and the department question, a choice id or "
            "a list of them, or text"
        },
    )


class ResponseInSchema(BodySchema):
    language = fields.String(validate=validate.OneOf(SURVEY_LANGUAGES))
    department_id = Id(
        allow_none=True, metadata={"description": "Customers: the branch the answer is for"}
    )
    submission_key = fields.String(
        validate=validate.Length(max=services.SUBMISSION_KEY_MAX),
        metadata={"description": "Customers: the same key twice stores one response"},
    )
    answers = fields.List(fields.Nested(AnswerInSchema), required=True)


class AnswerSchema(ma.Schema):
    question_id = fields.Integer()
    value = fields.Raw(metadata={"description": "As it was sent"})


class ResponseSchema(ma.Schema):
    survey_id = fields.Integer()
    language = fields.String()
    department_id = fields.Integer(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    answers = fields.Method(
        "answers_of",
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/Answer"}},
    )

    def answers_of(self, response: SurveyResponse) -> list[dict[str, Any]]:
        return [
            {"question_id": k, "value": v}
            for k, v in sorted(services.answers_by_question(response).items())
        ]


class CommentArgsSchema(PageArgsSchema):
    coded = fields.Boolean(metadata={"description": "true: coded only; false: uncoded only"})


class SurveyCommentSchema(ma.Schema):
    """A comment never carries its respondent (and, for an anonymous survey, no branch)."""

    id = fields.Integer()
    survey_id = fields.Integer()
    question_id = fields.Integer()
    text = fields.String()
    language = fields.Method("language_of", metadata={"type": "string"})
    department = fields.Method(
        "department_of",
        metadata={"type": "string", "nullable": True, "description": "Named surveys only"},
    )
    coded_as = fields.String(allow_none=True, validate=validate.OneOf(CODES))
    barrier = fields.Nested(BarrierRefSchema, allow_none=True)
    story_id = fields.Integer(allow_none=True)
    themes = fields.List(fields.String(), attribute="theme_names")
    coded_by = fields.Nested(UserRefSchema, allow_none=True)
    coded_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    version = fields.Integer()

    def language_of(self, comment: SurveyComment) -> str:
        return comment.answer.response.language

    def department_of(self, comment: SurveyComment) -> str | None:
        return triage.department_of(comment)


class QueueCommentSchema(SurveyCommentSchema):
    suggested_barriers = fields.Method(
        "suggested",
        metadata={
            "type": "array",
            "items": {"$ref": "#/components/schemas/BarrierRef"},
            "description": "Uncoded comments: open barriers like it (the barrier form's search)",
        },
    )

    def suggested(self, comment: SurveyComment) -> list[dict[str, Any]]:
        found = g.get("comment_suggestions", {}).get(comment.id, [])
        dumped: list[dict[str, Any]] = BarrierRefSchema(many=True).dump(found)
        return dumped


class QueuePageSchema(page_of(QueueCommentSchema)):  # type: ignore[misc]
    coded = fields.Integer(required=True, metadata={"description": "Comments coded so far"})
    comments = fields.Integer(required=True, metadata={"description": "Comments in all"})


class CodeSchema(BodySchema):
    coded_as = fields.String(
        required=True, data_key="as", validate=validate.OneOf(CODES), metadata={"example": "none"}
    )
    barrier_id = Id(metadata={"description": "evidence: the barrier it backs"})
    barrier = fields.Nested(
        BarrierFieldsSchema,
        metadata={
            "description": "new_barrier: POST /barriers fields; what is left out comes from the "
            "comment (title, quote, source survey, affects from the audience)"
        },
    )
    themes = fields.List(
        fields.String(validate=validate.Length(min=1, max=triage.THEME_MAX)),
        validate=validate.Length(max=triage.MAX_THEMES),
    )
    version = fields.Integer(metadata={"description": "Required here or as If-Match"})


# --- Helpers ------------------------------------------------------------------------------------


def _questions(raw: list[dict[str, Any]]) -> list[QuestionDetails]:
    return [
        QuestionDetails(
            kind=q["kind"],
            text=dict(q["text"]),
            required=q.get("required", False),
            metric=q.get("metric"),
            choices=[ChoiceDetails(dict(c["text"]), id=c.get("id")) for c in q.get("choices", [])],
            id=q.get("id"),
        )
        for q in raw
    ]


def _details(data: dict[str, Any], current: Survey | None = None) -> SurveyDetails:
    """What was sent over the survey's current fields (questions only when sent)."""
    base: dict[str, Any] = {}
    if current is not None:
        base = {
            "title": current.title,
            "intro": current.intro,
            "title_i18n": dict(current.title_i18n or {}),
            "intro_i18n": dict(current.intro_i18n or {}),
            "audience": current.audience,
            "opens_on": current.opens_on,
            "closes_on": current.closes_on,
            "anonymous": current.anonymous,
            "languages": list(current.languages or ["en"]),
        }
    base.update({k: v for k, v in data.items() if k not in ("questions", "owner_ids", "version")})
    questions = _questions(data["questions"]) if "questions" in data else None
    return SurveyDetails(
        title=base.get("title") or "",
        audience=base.get("audience") or "",
        opens_on=base.get("opens_on"),
        closes_on=base.get("closes_on"),
        intro=base.get("intro"),
        anonymous=bool(base.get("anonymous", False)),
        languages=base.get("languages") or ["en"],
        title_i18n=base.get("title_i18n") or {},
        intro_i18n=base.get("intro_i18n") or {},
        questions=questions,
    )


def _managed(survey_id: int) -> Survey:
    """A survey the caller runs: 404 when they may not see it, 403 when they may not run it
    (checked before the body is read)."""
    survey = services.get_survey(survey_id, _caller())
    if not can(_caller(), "manage_survey", survey):
        abort(403, description="Only the survey's owners and leadership.")
    return survey


def _submission(data: dict[str, Any], channel: str) -> Submission:
    answers: dict[int, Any] = {}
    for item in data["answers"]:
        if item["question_id"] in answers:
            raise InvalidInput.on("answers", "Send each question's answer once.")
        answers[item["question_id"]] = item["value"]
    return Submission(
        answers,
        language=data.get("language") or "en",
        department_id=data.get("department_id"),
        channel=channel,
        submission_key=data.get("submission_key"),
    )


def _public_limit() -> str:
    return str(current_app.config["SURVEY_PUBLIC_LIMIT"])


def _has_token() -> bool:
    return bool(request.headers.get("Authorization"))


# --- Surveys ------------------------------------------------------------------------------------


@blp.route("/surveys")
class Surveys(MethodView):
    @blp.arguments(SurveyArgsSchema, location="query")
    @blp.response(200, page_of(SurveySchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Surveys the caller may see, newest first: every published one, and drafts they run."""
        found = services.list_surveys(
            _caller(), status=args.get("status"), audience=args.get("audience")
        )
        start = (args["page"] - 1) * args["per_page"]
        page = Page(found[start : start + args["per_page"]], args["page"], args["per_page"], 0)
        page.total = len(found)
        return page_body(page)

    @require_api("create_survey")
    @blp.arguments(SurveyCreateSchema)
    @blp.response(201, SurveyDetailSchema)
    def post(self, data: dict[str, Any]) -> Survey:
        """Start a survey as a draft (leadership), with its questions and owners."""
        created = services.create_survey(_caller(), _details(data), data.get("owner_ids", ()))
        return services.get_survey(created.id)


@blp.route("/surveys/<int:survey_id>")
class SurveyItem(MethodView):
    @blp.response(200, SurveyDetailSchema)
    def get(self, survey_id: int) -> Survey:
        """One survey with its questions and choices (a draft only for who runs it)."""
        return services.get_survey(survey_id, _caller())

    @blp.arguments(SurveyPatchSchema)
    @blp.response(200, SurveyDetailSchema)
    def patch(self, data: dict[str, Any], survey_id: int) -> Survey:
        """Edit (owners, leadership). ``questions`` replaces the list; once the survey has
        answers its questions, audience, anonymity and languages are locked (409). A stale
        ``version`` is 409; none is 422."""
        survey = _managed(survey_id)
        version = api_version(data)
        owner_ids = data.get("owner_ids")
        sent = {k: v for k, v in data.items() if k not in ("owner_ids", "version")}
        if sent:
            survey = services.update_survey(_caller(), survey, _details(sent, survey), version)
        elif version != survey.version:
            raise StaleEdit(survey)
        if owner_ids is not None:
            services.set_owners(_caller(), services.get_survey(survey.id), owner_ids)
        return services.get_survey(survey.id)


@blp.route("/surveys/<int:survey_id>/publish")
class PublishSurvey(MethodView):
    @blp.arguments(PublishSchema, required=False)
    @blp.response(200, SurveyDetailSchema)
    def post(self, data: dict[str, Any], survey_id: int) -> Survey:
        """Draft to open (owners, leadership); ``announce`` mails the staff once it commits."""
        survey = _managed(survey_id)
        services.publish(_caller(), survey, announce=bool((data or {}).get("announce")))
        return services.get_survey(survey_id)


@blp.route("/surveys/<int:survey_id>/close")
class CloseSurvey(MethodView):
    @blp.response(200, ClosedSurveySchema)
    def post(self, survey_id: int) -> Survey:
        """Open to closed: each metric-linked rating becomes satisfaction results for the month
        (organisation-wide and per branch above the anonymity threshold), listed here."""
        survey = _managed(survey_id)
        outcome = services.close(_caller(), survey)
        closed = services.get_survey(survey_id)
        # Not a column: what this close recorded (and kept), for this response only.
        setattr(closed, "satisfaction_results", outcome.figures)  # noqa: B010
        return closed


@blp.route("/surveys/<int:survey_id>/copy")
class CopySurvey(MethodView):
    @blp.arguments(CopySchema, required=False)
    @blp.response(201, SurveyDetailSchema)
    def post(self, data: dict[str, Any], survey_id: int) -> Survey:
        """The next wave, as a draft asking the same questions (``previous_wave_id``)."""
        survey = _managed(survey_id)
        data = data or {}
        copy = services.copy_for_next_wave(
            _caller(), survey, data.get("opens_on"), data.get("closes_on")
        )
        return services.get_survey(copy.id)


# --- Answering ----------------------------------------------------------------------------------


@blp.route("/surveys/<int:survey_id>/responses")
class SurveyResponses(MethodView):
    decorators = [
        limiter.limit(
            _public_limit, key_func=get_remote_address, exempt_when=_has_token, methods=["POST"]
        )
    ]

    @blp.arguments(ResponseInSchema)
    @blp.response(201, ResponseSchema)
    @blp.doc(security=[{}, {"bearerAuth": []}])
    def post(self, data: dict[str, Any], survey_id: int) -> SurveyResponse:
        """Answer. Staff surveys: signed in, once (a second response is 409: use PATCH
        .../responses/mine). Open customer surveys: no token needed, rate limited per address
        (429 with Retry-After); no address or user agent is stored. A closed or unopened
        survey is 409 and stores nothing."""
        user = g.get("api_user")
        survey = services.get_survey(survey_id, user)
        if user is None:
            if survey.status == SurveyStatus.DRAFT.value:
                raise NotFound("There is no such survey.")
            if not survey.audience_enum.includes_customers:
                abort(401, description="Staff surveys are answered signed in: send your token.")
            return services.respond_publicly(survey, _submission(data, "link"))
        if survey.audience_enum.includes_staff:
            return services.respond_as_staff(user, survey, _submission(data, "staff"))
        return services.respond_publicly(survey, _submission(data, "link"))


@blp.route("/surveys/<int:survey_id>/responses/mine")
class MyResponse(MethodView):
    @blp.arguments(ResponseInSchema)
    @blp.response(200, ResponseSchema)
    def patch(self, data: dict[str, Any], survey_id: int) -> SurveyResponse:
        """Change your named staff response while the survey is open (anonymous answers cannot
        be changed: nothing links them to you, 409)."""
        survey = services.get_survey(survey_id, _caller())
        response = services.edit_response(_caller(), survey, _submission(data, "staff"))
        found = services.my_response(_caller(), survey)
        return found or response


# --- The triage queue ---------------------------------------------------------------------------


@blp.route("/surveys/<int:survey_id>/comments")
class SurveyComments(MethodView):
    @blp.arguments(CommentArgsSchema, location="query")
    @blp.response(200, QueuePageSchema)
    def get(self, args: dict[str, Any], survey_id: int) -> dict[str, Any]:
        """The triage queue (owners, leadership), oldest first, with ``coded`` and ``comments``
        counts for progress; uncoded comments carry suggested barriers."""
        survey = _managed(survey_id)
        page = triage.queue(
            _caller(),
            survey,
            coded=args.get("coded"),
            page=args["page"],
            per_page=args["per_page"],
        )
        progress = triage.progress(survey)
        g.comment_suggestions = triage.suggestions(page.items)
        body = page_body(page)
        body.update(coded=progress.coded, comments=progress.total)
        return body


def _comment_guard(view: Any) -> Any:
    """Before the body is read: a comment the caller may not code is 404, not field errors."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        triage.get_comment(kwargs["survey_comment_id"], _caller())
        return view(*args, **kwargs)

    return wrapped


@blp.route("/survey-comments/<int:survey_comment_id>/code")
class CodeComment(MethodView):
    @_comment_guard
    @blp.arguments(CodeSchema)
    @blp.response(200, SurveyCommentSchema)
    def post(self, data: dict[str, Any], survey_comment_id: int) -> SurveyComment:
        """Code a comment: ``new_barrier`` (reports the barrier, source survey, and links it),
        ``evidence`` (with ``barrier_id``), ``story`` or ``none``, with optional themes. The
        comment's ``version`` is required (body or If-Match); a stale one is 409."""
        comment = triage.get_comment(survey_comment_id, _caller())
        coding = triage.Coding(
            data["coded_as"],
            barrier_id=data.get("barrier_id"),
            barrier=data.get("barrier"),
            themes=data.get("themes") or [],
        )
        return triage.code_comment(_caller(), comment, coding, api_version(data))
