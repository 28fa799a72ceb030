"""Satisfaction pages: the charts (everyone), record one result and import a CSV (leadership)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from teams_app.errors import RowErrors, ServiceError
from teams_app.forms import department_options
from teams_app.input_guard import parse_id
from teams_app.permissions import require
from teams_app.satisfaction import chart, figures, queries, services
from teams_app.satisfaction.forms import ImportForm, ResultForm
from teams_app.views import apply_field_errors, current_person, signed_in_only

bp = Blueprint("satisfaction", __name__, url_prefix="/satisfaction")
signed_in_only(bp)


@dataclass
class MetricCard:
    series: figures.Series
    summary: figures.Summary
    chart: chart.Chart
    completions: list[figures.MonthCompletions]  # the months within the series' span
    by_period: dict[str, figures.MonthCompletions]
    asked_baseline_missing: bool

    @property
    def completed(self) -> int:
        return sum(m.count for m in self.completions)


def _cards(found: list[figures.Series], baseline: str | None) -> list[MetricCard]:
    """One card per metric: its chart, its change since the baseline (the chosen month when the
    metric has a result for it, else its earliest), and the completions within its span."""
    periods = sorted({p for s in found for p in s.periods})
    everything = queries.completions(periods[0], periods[-1]) if periods else []
    cards = []
    for one in found:
        start = baseline if baseline in one.periods else one.periods[0]
        within = [m for m in everything if one.periods[0] <= m.period <= one.periods[-1]]
        cards.append(
            MetricCard(
                series=one,
                summary=figures.summarise(one.metric, one.points, start),
                chart=chart.build(one, within, start),
                completions=within,
                by_period={m.period: m for m in within},
                asked_baseline_missing=baseline is not None and start != baseline,
            )
        )
    return cards


@bp.get("/")
def index() -> str:
    metric = (request.args.get("metric") or "").strip() or None
    department_id = request.args.get("department_id", type=parse_id)
    baseline = figures.check_period(request.args.get("baseline"))
    found = queries.series(metric=metric, department_id=department_id)
    periods = sorted({p for s in found for p in s.periods})
    return render_template(
        "satisfaction/index.html",
        cards=_cards(found, baseline),
        metrics=queries.metrics(),
        departments=queries.departments_with_results(),
        periods=periods,
        chosen={"metric": metric, "department_id": department_id, "baseline": baseline},
        period_label=figures.period_label,
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> str | BaseResponse | tuple[str, int]:
    require(current_user, "record_satisfaction")
    form = ResultForm()
    form.department_id.choices = department_options("Organisation-wide")
    if form.validate_on_submit():
        details = services.ResultDetails(
            period=form.period.data,
            metric=form.metric.data,
            score=form.score.data,
            scale_max=form.scale_max.data,
            respondents=form.respondents.data,
            department_id=form.department_id.data or None,
        )
        try:
            result = services.record_result(current_person(), details)
        except ServiceError as exc:
            apply_field_errors(form, exc)
            status = exc.status
        else:
            flash(
                f"Recorded {result.metric} for {figures.period_label(result.period)}.",
                "success",
            )
            return redirect(url_for("satisfaction.index", metric=result.metric_key))
    else:
        status = 422 if request.method == "POST" else 200
    return render_template("satisfaction/form.html", form=form, metrics=queries.metrics()), status


def _uploaded_text(form: ImportForm) -> str | None:
    """The uploaded file's text (None when no file was chosen); a file that is not UTF-8 text
    is refused on the field."""
    upload: Any = form.csv_file.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    raw = upload.read()
    try:
        return str(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        form.csv_file.errors = [
            "This file is not UTF-8 text: save it from the spreadsheet as CSV UTF-8."
        ]
        return ""


@bp.route("/import", methods=["GET", "POST"])
def import_results() -> str | BaseResponse | tuple[str, int]:
    require(current_user, "record_satisfaction")
    form = ImportForm()
    rows: list[dict[str, Any]] = []
    refusal = ""
    status = 200
    if form.validate_on_submit():
        uploaded = _uploaded_text(form)
        text = uploaded if uploaded is not None else (form.csv_text.data or "")
        if uploaded:
            form.csv_text.data = uploaded  # shown in the box, to correct and import again
        if not form.csv_file.errors and not text.strip():
            form.csv_text.errors = ["Choose a CSV file or paste its text."]
        if not form.errors:
            try:
                created = services.import_csv(current_person(), text)
            except RowErrors as exc:
                rows, refusal = exc.rows, exc.message
            except ServiceError as exc:
                flash(exc.message, "danger")
                status = exc.status
            else:
                n = len(created)
                flash(f"Imported {n} {'result' if n == 1 else 'results'}.", "success")
                return redirect(url_for("satisfaction.index"))
        if rows or form.errors:
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "satisfaction/import.html",
        form=form,
        rows=rows,
        refusal=refusal,
        columns=services.CSV_COLUMNS,
        template=services.CSV_TEMPLATE,
    ), status


@bp.get("/template.csv")
def template_csv() -> Response:
    """An example file with the columns the import reads."""
    return Response(
        services.CSV_TEMPLATE,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="satisfaction-template.csv"'},
    )
