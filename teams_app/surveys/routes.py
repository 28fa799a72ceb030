"""Survey pages for signed-in people: the list, the builder, the preview, one survey's page with
its actions (publish, announce, close, copy, new version, owners), the printable poster, and the
staff answering page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from teams_app.errors import InvalidInput, NotAllowed, ServiceError
from teams_app.extensions import db
from teams_app.input_guard import parse_id
from teams_app.models import Survey, SurveyAudience, SurveyStatus, User
from teams_app.people.services import department_choices
from teams_app.permissions import can, require
from teams_app.surveys import i18n, poster, services
from teams_app.surveys.forms import (
    ActionForm,
    AnswerForm,
    SurveyForm,
    fill_from,
    kind_options,
    question_rows,
    read_answers,
    read_questions,
    survey_details,
)
from teams_app.versioning import StaleEdit
from teams_app.views import apply_field_errors, current_person, flash_outcome, signed_in_only

bp = Blueprint("surveys", __name__)
signed_in_only(bp)

_me = current_person


def _survey(survey_id: int, action: str = "view_survey") -> Survey:
    survey = services.get_survey(survey_id, _me())
    require(current_user, action, survey)
    return survey


def _show(survey: Survey) -> BaseResponse:
    return redirect(url_for("surveys.show", survey_id=survey.id))


@bp.get("/surveys/")
def index() -> str:
    status = request.args.get("status")
    audience = request.args.get("audience")
    surveys = services.list_surveys(
        _me(),
        status=status if status in {s.value for s in SurveyStatus} else None,
        audience=audience if audience in {a.value for a in SurveyAudience} else None,
    )
    return render_template("surveys/index.html", surveys=surveys, today=services.today())


def _builder(survey: Survey | None, form: SurveyForm, status: int = 200) -> tuple[str, int]:
    posted = request.form if request.method == "POST" else None
    return render_template(
        "surveys/builder.html",
        survey=survey,
        form=form,
        rows=question_rows(survey, posted),
        kinds=kind_options(),
        locked=survey is not None and survey.questions_locked,
        question_errors=getattr(form, "question_errors", {}),
    ), status


def _apply(form: SurveyForm, exc: ServiceError) -> None:
    aliases = {"title_i18n": "title_es", "languages": "offer_es"}
    fields = {k: v for k, v in exc.fields.items() if not k.startswith("questions")}
    form.question_errors = {k: v for k, v in exc.fields.items() if k.startswith("questions")}
    if fields:
        apply_field_errors(form, InvalidInput(exc.message, fields=fields), aliases)
    elif not form.question_errors:
        flash(exc.message, "danger")


@bp.route("/surveys/new", methods=["GET", "POST"])
def new() -> str | BaseResponse | tuple[str, int]:
    require(current_user, "create_survey")
    form = SurveyForm()
    if request.method == "GET":
        form.opens_on.data, form.closes_on.data = services.default_dates()
        form.offer_es.data = True
    if form.validate_on_submit():
        try:
            survey = services.create_survey(
                _me(), survey_details(form, read_questions(request.form))
            )
        except ServiceError as exc:
            _apply(form, exc)
            return _builder(None, form, 422)
        flash("Survey saved as a draft. Preview it, then publish it.", "success")
        return redirect(url_for("surveys.edit", survey_id=survey.id))
    return _builder(None, form, 422 if form.errors else 200)


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
def edit(survey_id: int) -> str | BaseResponse | tuple[str, int]:
    survey = _survey(survey_id, "manage_survey")
    form = SurveyForm()
    if request.method == "GET":
        fill_from(form, survey)
    if form.validate_on_submit():
        questions = None if survey.questions_locked else read_questions(request.form)
        version = form.version.data
        try:
            services.update_survey(
                _me(),
                survey,
                survey_details(form, questions),
                int(version) if str(version or "").isdigit() else None,
            )
        except StaleEdit as exc:
            flash(exc.message, "warning")
            return _builder(exc.current, form, 409)
        except ServiceError as exc:
            _apply(form, exc)
            return _builder(survey, form, 422 if isinstance(exc, InvalidInput) else 409)
        flash("Saved.", "success")
        return redirect(url_for("surveys.edit", survey_id=survey.id))
    return _builder(survey, form, 422 if form.errors else 200)


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/move")
def move(survey_id: int, question_id: int) -> BaseResponse:
    survey = _survey(survey_id, "manage_survey")
    if ActionForm().validate_on_submit():
        offset = -1 if request.form.get("direction") == "up" else 1
        flash_outcome(
            lambda: services.move_question(_me(), survey, question_id, offset), "Question moved."
        )
    return redirect(url_for("surveys.edit", survey_id=survey.id))


@bp.get("/surveys/<int:survey_id>")
def show(survey_id: int) -> str:
    survey = _survey(survey_id)
    me = _me()
    return render_template(
        "surveys/show.html",
        survey=survey,
        action_form=ActionForm(formdata=None),
        problems=services.publish_problems(survey) if survey.status == "draft" else [],
        answered=services.has_answered(me, survey) if can(me, "answer_survey", survey) else False,
        departments=department_choices(),
        staff_choices=_staff_choices(survey),
        today=services.today(),
    )


def _staff_choices(survey: Survey) -> list[tuple[int, str]]:
    if not can(current_user, "name_survey_owners"):
        return []

    rows = db.session.execute(
        select(User.id, User.name).where(User.active).order_by(User.name, User.id).limit(500)
    ).all()
    return [(user_id, name) for user_id, name in rows]


@bp.get("/surveys/<int:survey_id>/preview")
def preview(survey_id: int) -> str:
    """Exactly the respondents' page (the public one for customer surveys), not submittable."""
    survey = _survey(survey_id, "manage_survey")
    language = request.args.get("lang", survey.main_language)
    language = language if language in survey.languages else survey.main_language
    i18n.use_language(language)
    return render_template(
        "surveys/public_form.html",
        survey=survey,
        form=AnswerForm(formdata=None),
        language=language,
        values={},
        errors={},
        departments=department_choices(),
        preview=True,
        action="#",
        branch=None,
        kiosk=False,
    )


def _action(survey_id: int, run: Any, message: str) -> BaseResponse:
    survey = _survey(survey_id, "manage_survey")
    if ActionForm().validate_on_submit():
        flash_outcome(lambda: run(survey), message)
    return _show(survey)


@bp.post("/surveys/<int:survey_id>/publish")
def publish(survey_id: int) -> BaseResponse:
    announce = bool(request.form.get("announce"))
    return _action(
        survey_id,
        lambda s: services.publish(_me(), s, announce=announce and s.audience_enum.includes_staff),
        "Published." + (" The announcement is on its way." if announce else ""),
    )


@bp.post("/surveys/<int:survey_id>/announce")
def announce(survey_id: int) -> BaseResponse:
    return _action(
        survey_id, lambda s: services.announce(_me(), s), "The announcement is on its way."
    )


@bp.post("/surveys/<int:survey_id>/close")
def close(survey_id: int) -> BaseResponse:
    survey = _survey(survey_id, "manage_survey")
    if ActionForm().validate_on_submit():
        try:
            outcome = services.close(_me(), survey)
        except NotAllowed:
            raise
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            recorded, kept = len(outcome.recorded), len(outcome.kept)
            text = f"Closed. {recorded} satisfaction {'result' if recorded == 1 else 'results'} "
            text += f"added for {outcome.period}."
            if kept:
                verb = "was" if kept == 1 else "were"
                text += f" {kept} already recorded for that month {verb} kept."
            flash(text, "success")
    return _show(survey)


@bp.post("/surveys/<int:survey_id>/copy")
def copy(survey_id: int) -> BaseResponse:
    survey = _survey(survey_id, "manage_survey")
    if ActionForm().validate_on_submit():
        try:
            made = services.copy_for_next_wave(_me(), survey)
        except NotAllowed:
            raise
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"Wave {made.wave} is ready as a draft.", "success")
            return redirect(url_for("surveys.edit", survey_id=made.id))
    return _show(survey)


@bp.post("/surveys/<int:survey_id>/new-version")
def new_version(survey_id: int) -> BaseResponse:
    survey = _survey(survey_id, "manage_survey")
    if ActionForm().validate_on_submit():
        made = services.new_version(_me(), survey)
        flash("A new version is ready as a draft: its questions can change.", "success")
        return redirect(url_for("surveys.edit", survey_id=made.id))
    return _show(survey)


@bp.post("/surveys/<int:survey_id>/owners")
def owners(survey_id: int) -> BaseResponse:
    survey = _survey(survey_id, "name_survey_owners")
    if ActionForm().validate_on_submit():
        ids = [i for i in (parse_id(v) for v in request.form.getlist("owner_ids")) if i]
        flash_outcome(lambda: services.set_owners(_me(), survey, ids), "Owners saved.")
    return _show(survey)


@bp.get("/surveys/<int:survey_id>/poster")
def poster_page(survey_id: int) -> str:
    """A printable A4 poster per service desk, each with its own QR code and link."""
    survey = _survey(survey_id, "manage_survey")
    if not survey.audience_enum.includes_customers:
        abort(404)
    branch_id = request.args.get("branch", type=parse_id)
    desks = [d for d in department_choices() if branch_id in (None, d[0])]
    return render_template(
        "surveys/poster.html", survey=survey, posters=poster.posters(survey, desks)
    )


@bp.route("/surveys/<int:survey_id>/answer", methods=["GET", "POST"])
def answer(survey_id: int) -> str | BaseResponse | tuple[str, int]:
    survey = _survey(survey_id, "answer_survey")
    me = _me()
    problem = services.taking_answers_problem(survey)
    if problem is not None:
        return render_template("surveys/not_open.html", survey=survey, problem=problem), 409
    if survey.anonymous and services.has_answered(me, survey):
        return render_template("surveys/thanks.html", survey=survey, anonymous=True, again=True)
    mine = None if survey.anonymous else services.my_response(me, survey)
    form = AnswerForm()
    language = request.values.get("lang", survey.main_language)
    language = language if language in survey.languages else survey.main_language
    values: dict[int, Any] = services.answers_by_question(mine)
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        values = read_answers(request.form, survey)
        submission = services.Submission(values, language=language)
        try:
            if mine is None:
                services.respond_as_staff(me, survey, submission)
            else:
                services.edit_response(me, survey, submission)
        except services.AlreadyAnswered:
            flash("Your answers were already saved.", "info")
            return redirect(url_for("surveys.answer", survey_id=survey.id))
        except services.NotTakingAnswers as exc:
            return render_template("surveys/not_open.html", survey=survey, problem=exc), 409
        except InvalidInput as exc:
            errors = exc.fields
        else:
            return render_template(
                "surveys/thanks.html", survey=survey, anonymous=survey.anonymous, again=False
            )
    i18n.use_language(language)
    return render_template(
        "surveys/public_form.html",
        survey=survey,
        form=form,
        language=language,
        values=values,
        errors=errors,
        departments=department_choices(),
        preview=False,
        action=url_for("surveys.answer", survey_id=survey.id, lang=language),
        branch=None,
        kiosk=False,
        editing=mine is not None,
    ), (422 if errors else 200)
