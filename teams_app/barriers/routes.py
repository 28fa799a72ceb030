"""Barrier pages: the register (with CSV export), report and edit, one barrier with its actions
and history, resolve and reopen. The action pages (log, update, "my actions") are on the same
blueprint, in ``action_routes``."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer
from werkzeug.wrappers import Response as BaseResponse

from teams_app.barriers import queries, services
from teams_app.barriers.action_routes import owner_choices
from teams_app.barriers.blueprint import barrier_url, bp, id_or_none
from teams_app.barriers.forms import (
    ActionForm,
    BarrierForm,
    ReopenForm,
    ResolveForm,
)
from teams_app.errors import ServiceError
from teams_app.extensions import db
from teams_app.forms import options
from teams_app.input_guard import parse_id
from teams_app.models import (
    Affects,
    Barrier,
    BarrierCategory,
    BarrierStatus,
    Initiative,
    Severity,
    Team,
    TeamStatus,
    utcnow,
)
from teams_app.pagination import clamp, paginate
from teams_app.people.services import department_choices
from teams_app.permissions import require
from teams_app.stories import queries as story_queries
from teams_app.stories import services as stories
from teams_app.urls import external_url
from teams_app.versioning import form_version
from teams_app.views import (
    apply_field_errors,
    csv_download,
    current_person,
    edit_with_version,
)

_me = current_person

STATUS_CHOICES = [
    (queries.UNRESOLVED, "Unresolved"),
    (BarrierStatus.OPEN.value, "Open"),
    (BarrierStatus.ADDRESSING.value, "Addressing"),
    (queries.CLOSED, "Closed"),
    (BarrierStatus.REMOVED.value, "Removed"),
    (BarrierStatus.ACCEPTED.value, "Accepted"),
]


def _one_of(value: str | None, allowed: Any) -> str | None:
    return value if value in {getattr(v, "value", v) for v in allowed} else None


def _filter_from_args() -> queries.BarrierFilter:
    """The register's filter. Unless asked otherwise it shows what still needs work, worst first:
    the barriers someone can act on, not a history lesson."""
    args = request.args
    return queries.BarrierFilter(
        status=_one_of(args.get("status"), [queries.ALL] + [s for s, _ in STATUS_CHOICES])
        or queries.UNRESOLVED,
        category=_one_of(args.get("category"), BarrierCategory),
        severity=_one_of(args.get("severity"), Severity),
        affects=_one_of(args.get("affects"), Affects),
        department_id=args.get("department_id", type=parse_id),
        team_id=args.get("team_id", type=parse_id),
        q=(args.get("q") or "").strip()[:100] or None,
        min_support=min(args.get("min_support", type=parse_id) or 0, 1_000_000) or None,
        sort=args.get("sort", "") if args.get("sort") in queries.SORTS else "severity",
    )


@bp.get("/barriers/")
def index() -> str:
    f = _filter_from_args()
    page, per_page = clamp(
        request.args.get("page"), request.args.get("per_page"), current_app.config["PER_PAGE"]
    )
    departments, teams = queries.filter_choices()
    return render_template(
        "barriers/index.html",
        # A register row shows neither the description nor the resolution: leave them unread.
        results=paginate(
            queries.register_query(f).options(
                defer(Barrier.description), defer(Barrier.resolution)
            ),
            page,
            per_page,
        ),
        counts=queries.facet_counts(f),
        f=f,
        status_choices=STATUS_CHOICES,
        categories=[(c.value, c.label) for c in BarrierCategory],
        severities=[(s.value, s.label) for s in reversed(Severity)],
        affects=[(a.value, a.label) for a in Affects],
        department_items=[(d.id, d.name) for d in departments],
        team_items=[(t.id, t.name) for t in teams],
        sort_labels=queries.SORT_LABELS,
        filtered=any(v for k, v in f.as_args().items() if k not in ("sort", "status")),
        active_filters=sum(
            1
            for k in ("category", "severity", "affects", "department_id", "team_id", "q")
            if getattr(f, k)
        ),
        now=utcnow(),
    )


@bp.get("/barriers/export.csv")
def export() -> Response:
    """The register's filtered set as CSV, streamed a batch at a time."""
    f = _filter_from_args()
    lines = queries.csv_lines(
        f, lambda barrier_id: external_url("barriers.show", barrier_id=barrier_id)
    )
    return csv_download(lines, "barriers")


@bp.get("/barriers/similar")
def similar() -> Response:
    """Open barriers with titles like the one being typed (the report form asks as you type)."""
    title = (request.args.get("title") or "")[:200]
    exclude = request.args.get("exclude", type=parse_id)
    found = services.similar_open(title, exclude_id=exclude)
    return jsonify(
        [
            {
                "id": b.id,
                "title": b.title,
                "status": b.status,
                "severity": b.severity,
                "support_count": b.support_count,
                "url": url_for("barriers.show", barrier_id=b.id),
                "me_too_url": url_for("barriers.show", barrier_id=b.id, _anchor="me-too"),
            }
            for b in found
        ]
    )


# --- Report and edit ----------------------------------------------------------------------------


def _fill_choices(form: BarrierForm, barrier: Barrier | None = None) -> None:
    """Active teams and their open initiatives; a closed link already made stays choosable."""
    form.department_id.choices = options([(0, "Not specific")] + department_choices())
    teams = list(
        db.session.scalars(
            select(Team).where(Team.status == TeamStatus.ACTIVE.value).order_by(Team.name)
        )
    )
    keep_team = barrier.team if barrier is not None else None
    if keep_team is not None and keep_team not in teams:
        teams.append(keep_team)
    form.team_id.choices = options([(0, "None yet")] + [(t.id, t.name) for t in teams])
    rows = db.session.execute(
        select(Initiative.id, Initiative.title, Team.name)
        .join(Team, Team.id == Initiative.team_id)
        .where(Team.id.in_([t.id for t in teams]))
        .order_by(Team.name, Initiative.title)
    ).all()
    form.initiative_id.choices = options(
        [(0, "None")] + [(i, f"{team} — {title}") for i, title, team in rows]
    )


def _details(form: BarrierForm) -> services.BarrierDetails:
    return services.BarrierDetails(
        title=form.title.data or "",
        description=form.description.data,
        category=form.category.data or "",
        affects=form.affects.data or "",
        severity=form.severity.data or "",
        source=form.source.data or "",
        department_id=form.department_id.data or None,
        team_id=form.team_id.data or None,
        initiative_id=form.initiative_id.data or None,
    )


@bp.route("/barriers/new", methods=["GET", "POST"])
def new() -> str | BaseResponse | tuple[str, int]:
    require(current_user, "report_barrier")
    form = BarrierForm()
    _fill_choices(form)
    if request.method == "GET":
        # Links from a team or initiative page pre-fill the link; the reporter's own department
        # is the likely one.
        form.team_id.data = request.args.get("team", type=parse_id) or 0
        form.initiative_id.data = request.args.get("initiative", type=parse_id) or 0
        form.department_id.data = current_user.department_id or 0
        if request.args.get("source") in {"survey", "staff", "customer", "story"}:
            form.source.data = request.args["source"]
        _prefill_from_story(form, request.args.get("story", type=parse_id))
    from_story = stories.visible_story(_me(), id_or_none(form.story.data))
    if form.validate_on_submit():
        try:
            barrier = services.report_barrier(_me(), _details(form))
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            if from_story is not None:
                stories.link_reported_barrier(_me(), from_story.id, barrier)
            flash("Thank you: the barrier is on the register.", "success")
            return redirect(barrier_url(barrier))
    return render_template("barriers/form.html", form=form, barrier=None, story=from_story), (
        422 if form.errors else 200
    )


def _prefill_from_story(form: BarrierForm, story_id: int | None) -> None:
    """Reported from an impact story: its source, department, initiative and a pointer back."""
    story = stories.visible_story(_me(), story_id)
    if story is None:
        return
    form.story.data = str(story.id)
    form.source.data = "story"
    form.department_id.data = story.department_id or form.department_id.data
    if story.initiative_id:
        form.initiative_id.data = story.initiative_id
    form.description.data = f"From the impact story “{story.title}”."


@bp.route("/barriers/<int:barrier_id>/edit", methods=["GET", "POST"])
def edit(barrier_id: int) -> str | BaseResponse | tuple[str, int]:
    barrier = services.get_barrier(barrier_id)
    require(current_user, "edit_barrier", barrier)
    if barrier.is_closed:
        flash("This barrier is closed. Reopen it to change it.", "warning")
        return redirect(barrier_url(barrier))
    form = BarrierForm(obj=barrier if request.method == "GET" else None)
    _fill_choices(form, barrier)
    if request.method == "GET":
        form.team_id.data = barrier.team_id or 0
        form.initiative_id.data = barrier.initiative_id or 0
        form.department_id.data = barrier.department_id or 0
        form.version.data = str(barrier.version)
    return edit_with_version(
        form,
        lambda version: services.edit_barrier(_me(), barrier, _details(form), version),
        saved="Saved.",
        then=barrier_url(barrier),
        template="barriers/form.html",
        barrier=barrier,
    )


# --- One barrier --------------------------------------------------------------------------------


def _render_barrier(
    barrier: Barrier,
    resolve_form: ResolveForm | None = None,
    reopen_form: ReopenForm | None = None,
    action_form: ActionForm | None = None,
    fates: dict[str, str] | None = None,
    fate_errors: list[str] | None = None,
    restore: list[int] | None = None,
) -> str:
    me = _me()
    if action_form is None:
        action_form = ActionForm(formdata=None, barrier_id=str(barrier.id))
        owner_choices(action_form, barrier.team)
    return render_template(
        "barriers/show.html",
        barrier=barrier,
        actions=queries.actions_of_barrier(barrier.id),
        history=queries.history(barrier),
        stories=story_queries.stories_of_barrier(barrier.id),
        resolve_form=resolve_form or ResolveForm(formdata=None, version=str(barrier.version)),
        reopen_form=reopen_form or ReopenForm(formdata=None, version=str(barrier.version)),
        action_form=action_form,
        today=queries.today_for(me),
        now=utcnow(),
        open_actions=[] if barrier.is_closed else services.open_actions(barrier),
        dropped_actions=services.dropped_actions(barrier) if barrier.is_closed else [],
        can_move=services.can_move_to_initiative(barrier),
        fates=fates or {},
        fate_errors=fate_errors or [],
        restore=restore or [],
        fate_choices=[(f.value, f.label) for f in services.ActionFate],
    )


def _fates_from_form() -> dict[str, str]:
    """``fate-<action id>`` radio buttons: what happens to each open action at closing."""
    return {k[5:]: v for k, v in request.form.items() if k.startswith("fate-")}


def _restore_from_form() -> list[int]:
    return [i for i in (id_or_none(v) for v in request.form.getlist("restore_actions")) if i]


@bp.get("/barriers/<int:barrier_id>")
def show(barrier_id: int) -> str:
    return _render_barrier(services.get_barrier(barrier_id))


@bp.post("/barriers/<int:barrier_id>/resolve")
def resolve(barrier_id: int) -> str | BaseResponse | tuple[str, int]:
    barrier = services.get_barrier(barrier_id)
    require(current_user, "resolve_barrier", barrier)
    form = ResolveForm()
    fates, fate_errors = _fates_from_form(), []
    if form.validate_on_submit():
        try:
            services.resolve_barrier(
                _me(),
                barrier,
                form.outcome.data or "",
                form.resolution.data,
                form_version(form.version.data),
                fates=fates,
            )
        except ServiceError as exc:
            fate_errors = exc.fields.pop("open_actions", [])
            if exc.fields or not fate_errors:
                apply_field_errors(form, exc, aliases={"status": "outcome"})
            status = exc.status
        else:
            told = (
                " The person who reported it will be told."
                if barrier.reported_by_id != current_user.id
                else ""
            )
            flash(f"Closed as {form.outcome.data}.{told}", "success")
            return redirect(barrier_url(barrier))
    else:
        status = 422
    return _render_barrier(
        services.get_barrier(barrier_id), resolve_form=form, fates=fates, fate_errors=fate_errors
    ), status


@bp.post("/barriers/<int:barrier_id>/reopen")
def reopen(barrier_id: int) -> str | BaseResponse | tuple[str, int]:
    barrier = services.get_barrier(barrier_id)
    require(current_user, "reopen_barrier", barrier)
    form = ReopenForm()
    restore = _restore_from_form()
    if form.validate_on_submit():
        try:
            services.reopen_barrier(
                _me(), barrier, form.reason.data, form_version(form.version.data), restore=restore
            )
        except ServiceError as exc:
            apply_field_errors(form, exc)
            status = exc.status
        else:
            back = (
                f" {len(restore)} dropped action{'s' if len(restore) != 1 else ''} back."
                if restore
                else ""
            )
            flash(f"Reopened.{back}", "success")
            return redirect(barrier_url(barrier))
    else:
        status = 422
    return _render_barrier(
        services.get_barrier(barrier_id), reopen_form=form, restore=restore
    ), status
