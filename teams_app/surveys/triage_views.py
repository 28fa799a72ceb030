"""The triage queue's pages: one survey's comments to code (progress, coded/uncoded filter, a
plain form per comment that the keyboard drives, ``static/js/triage.js``), and the barrier report
form pre-filled from a comment, which codes the comment as a new barrier when it is saved."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField

from teams_app.barriers.forms import BarrierForm
from teams_app.barriers.routes import _details, _fill_choices
from teams_app.errors import InvalidInput, ServiceError
from teams_app.input_guard import parse_id
from teams_app.models import CommentCode
from teams_app.pagination import clamp
from teams_app.permissions import require
from teams_app.surveys import services, triage
from teams_app.surveys.forms import ActionForm
from teams_app.versioning import StaleEdit
from teams_app.views import apply_field_errors, current_person, safe_local_url, signed_in_only

bp = Blueprint("survey_triage", __name__)
signed_in_only(bp)

FILTERS = {"uncoded": False, "coded": True, "all": None}
PER_PAGE = 20


class CommentBarrierForm(BarrierForm):
    """The barrier report form, carrying the comment's version and the themes typed in the
    queue, so saving it codes the comment."""

    comment_version = HiddenField()
    themes = HiddenField()


def _queue_url(survey_id: int, comment_id: int | None = None, **args: Any) -> str:
    url = url_for("survey_triage.queue", survey_id=survey_id, **args)
    return f"{url}#comment-{comment_id}" if comment_id else url


@bp.get("/surveys/<int:survey_id>/comments")
def queue(survey_id: int) -> str:
    me = current_person()
    survey = services.get_survey(survey_id, me)
    require(me, "manage_survey", survey)
    shown = request.args.get("coded", "uncoded")
    shown = shown if shown in FILTERS else "uncoded"
    page_n, per_page = clamp(request.args.get("page"), request.args.get("per_page"), PER_PAGE)
    page = triage.queue(me, survey, coded=FILTERS[shown], page=page_n, per_page=per_page)
    return render_template(
        "surveys/triage.html",
        survey=survey,
        page=page,
        shown=shown,
        progress=triage.progress(survey),
        suggestions=triage.suggestions(page.items),
        form=ActionForm(formdata=None),
        codes=list(CommentCode),
        department_of=triage.department_of,
    )


@bp.get("/survey-comments/<int:survey_comment_id>")
def comment(survey_comment_id: int) -> BaseResponse:
    """A comment's permalink (the story written from it links here): the page of the whole
    queue that holds it, scrolled to it."""
    found = triage.get_comment(survey_comment_id, current_person())
    page = triage.page_of(found, PER_PAGE)
    args: dict[str, Any] = {"coded": "all"} | ({"page": page} if page > 1 else {})
    return redirect(_queue_url(found.survey_id, found.id, **args))


def _id(raw: str | None) -> int | None:
    try:
        return parse_id((raw or "").strip().lstrip("#"))
    except ValueError:
        return None


def _version(raw: Any) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@bp.post("/survey-comments/<int:survey_comment_id>/code")
def code(survey_comment_id: int) -> BaseResponse:
    """One plain form per comment: the button pressed says how it is coded."""
    me = current_person()
    comment_id = survey_comment_id
    comment = triage.get_comment(comment_id, me)
    survey_id = comment.survey_id
    back = safe_local_url(request.form.get("next"), _queue_url(survey_id))
    if not ActionForm().validate_on_submit():
        flash("This form had expired. Please code the comment again.", "warning")
        return redirect(back)
    coded_as = request.form.get("coded_as", "")
    themes = request.form.get("themes", "")
    version = _version(request.form.get("version"))
    if coded_as == CommentCode.NEW_BARRIER.value:
        # The barrier form, pre-filled: coding happens when the barrier is saved.
        return redirect(
            url_for(
                "survey_triage.new_barrier",
                survey_comment_id=comment.id,
                themes=themes or None,
                version=version,
                next=back,
            )
        )
    barrier_id = _id(request.form.get("barrier_number")) or _id(request.form.get("barrier_id"))
    coding = triage.Coding(coded_as, barrier_id=barrier_id)
    try:
        coding.themes = triage.clean_themes(themes)
        coded = triage.code_comment(me, comment, coding, version)
    except ServiceError as exc:
        flash(exc.message, "warning" if exc.status == 409 else "danger")
        return redirect(back.split("#")[0] + f"#comment-{comment_id}")
    label = CommentCode(coded.coded_as or "none").label
    message = f"Coded: {label.lower()}."
    if coded.coded_as == CommentCode.STORY.value:
        message += " Invite the story from the comment's “Write the story” link."
    flash(message, "success")
    following = triage.next_uncoded(comment.survey, comment_id)
    base = back.split("#")[0]
    return redirect(f"{base}#comment-{following}" if following else base)


@bp.route("/survey-comments/<int:survey_comment_id>/barrier", methods=["GET", "POST"])
def new_barrier(survey_comment_id: int) -> str | BaseResponse | tuple[str, int]:
    """The barrier report form pre-filled from the comment (source survey, who it affects from
    the audience, the words quoted); saving it reports the barrier and codes the comment."""
    me = current_person()
    comment = triage.get_comment(survey_comment_id, me)
    require(me, "manage_survey", comment.survey)
    require(me, "report_barrier")
    back = safe_local_url(request.values.get("next"), _queue_url(comment.survey_id))
    form = CommentBarrierForm()
    _fill_choices(form)
    if request.method == "GET":
        defaults = triage.barrier_defaults(comment)
        for name in ("title", "description", "category", "affects", "severity", "source"):
            getattr(form, name).data = defaults[name]
        form.department_id.data = defaults["department_id"] or 0
        form.team_id.data = form.initiative_id.data = 0
        form.comment_version.data = request.args.get("version") or str(comment.version)
        form.themes.data = request.args.get("themes", "")[:700]
    status = 200
    if form.validate_on_submit():
        details = _details(form)
        coding = triage.Coding(
            CommentCode.NEW_BARRIER.value,
            barrier={
                "title": details.title,
                "description": details.description,
                "category": details.category,
                "affects": details.affects,
                "severity": details.severity,
                "source": details.source,
                "department_id": details.department_id,
                "team_id": details.team_id,
                "initiative_id": details.initiative_id,
            },
        )
        try:
            coding.themes = triage.clean_themes(form.themes.data)
            coded = triage.code_comment(me, comment, coding, _version(form.comment_version.data))
        except StaleEdit as exc:
            flash(exc.message, "warning")
            status = 409
        except InvalidInput as exc:
            fields = {k.removeprefix("barrier."): v for k, v in exc.fields.items()}
            apply_field_errors(form, InvalidInput(exc.message, fields=fields))
        else:
            flash("Thank you: the barrier is on the register, linked to the comment.", "success")
            following = triage.next_uncoded(comment.survey, comment.id)
            if request.form.get("then") == "barrier" or following is None:
                return redirect(url_for("barriers.show", barrier_id=coded.barrier_id))
            return redirect(back.split("#")[0] + f"#comment-{following}")
    if form.errors and status == 200:
        status = 422
    return render_template(
        "barriers/form.html",
        form=form,
        barrier=None,
        story=None,
        comment=comment,
        comment_back=back,
    ), status


def register(app: Any) -> None:
    """The blueprint, and ``survey_evidence(barrier_id)`` for the barrier page's include."""
    app.register_blueprint(bp)
    app.add_template_global(triage.evidence_for, "survey_evidence")
