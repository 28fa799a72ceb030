"""Survey results pages: one wave's results (filter by branch or department, switch wave), the
CSV export of its answers, and the wave-against-wave comparison. The figures come from
``teams_app.surveys.results``; who sees what from ``teams_app.permissions``."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from teams_app.errors import InvalidInput
from teams_app.input_guard import parse_id
from teams_app.models import Survey
from teams_app.permissions import require
from teams_app.surveys import chart, results, services
from teams_app.views import csv_download, current_person, signed_in_only

bp = Blueprint("survey_results", __name__)
signed_in_only(bp)


def _survey(survey_id: int, action: str) -> Survey:
    survey = services.get_survey(survey_id, current_person())
    require(current_user, action, survey)
    return survey


@bp.get("/surveys/<int:survey_id>/results")
def show(survey_id: int) -> str | BaseResponse | tuple[str, int]:
    survey = _survey(survey_id, "view_survey_results")
    waves = results.waves(survey)
    department_id = request.args.get("department_id", type=parse_id)
    wanted = request.args.get("wave", type=parse_id)
    if wanted and wanted != survey.id and any(w.id == wanted for w in waves):
        return redirect(
            url_for("survey_results.show", survey_id=wanted, department_id=department_id)
        )
    problem = None
    try:
        found = results.results(survey, department_id)
    except InvalidInput as exc:
        problem = exc.message
        found = results.results(survey)
        found.questions = []
    return render_template(
        "surveys/results.html",
        survey=survey,
        results=found,
        charts={q.question_id: chart.build(q) for q in found.questions},
        waves=waves,
        problem=problem,
        department_id=department_id,
    ), (422 if problem else 200)


@bp.get("/surveys/<int:survey_id>/results.csv")
def export(survey_id: int) -> BaseResponse | tuple[str, int]:
    survey = _survey(survey_id, "export_survey_answers")
    department_id = request.args.get("department_id", type=parse_id)
    try:
        results.export_check(survey, department_id)
    except InvalidInput as exc:
        return render_template("surveys/export_refused.html", survey=survey, problem=exc), 422
    lines = results.csv_lines(survey, department_id)
    return csv_download(lines, f"survey-{survey.id}-answers")


@bp.get("/surveys/<int:survey_id>/comparison")
def comparison(survey_id: int) -> str:
    survey = _survey(survey_id, "compare_survey_waves")
    return render_template("surveys/comparison.html", survey=survey, c=results.comparison(survey))


@bp.get("/surveys/comparison/latest")
def latest() -> str | BaseResponse:
    """The newest wave that has one before it (the portfolio and satisfaction pages link here)."""
    survey = results.latest_compared(current_person())
    if survey is None:
        return render_template("surveys/comparison.html", survey=None, c=None)
    return redirect(url_for("survey_results.comparison", survey_id=survey.id))
