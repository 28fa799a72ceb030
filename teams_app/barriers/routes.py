"""Barrier and action pages: the register (with CSV export), report and edit, one barrier with
its actions and history, resolve and reopen, log and update actions, and "my actions"."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
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
from teams_app.barriers.forms import (
    ActionForm,
    ActionUpdateForm,
    BarrierForm,
    ReopenForm,
    ResolveForm,
)
from teams_app.errors import NotAllowed, ServiceError
from teams_app.extensions import db
from teams_app.forms import options
from teams_app.initiatives import services as initiatives
from teams_app.input_guard import parse_id
from teams_app.models import (
    ActionStatus,
    Affects,
    Barrier,
    BarrierCategory,
    BarrierStatus,
    Initiative,
    Severity,
    Team,
    TeamStatus,
    User,
    utcnow,
)
from teams_app.pagination import clamp, paginate
from teams_app.people.services import department_choices
from teams_app.permissions import require
from teams_app.stories import queries as story_queries
from teams_app.stories import services as stories
from teams_app.urls import external_url
from teams_app.views import (
    apply_field_errors,
    csv_download,
    current_person,
    safe_local_url,
    signed_in_only,
)

bp = Blueprint("barriers", __name__)
signed_in_only(bp)

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


def _barrier_url(barrier: Barrier | int) -> str:
    barrier_id = barrier if isinstance(barrier, int) else barrier.id
    return url_for("barriers.show", barrier_id=barrier_id)


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
    from_story = stories.visible_story(_me(), _id_or_none(form.story.data))
    if form.validate_on_submit():
        try:
            barrier = services.report_barrier(_me(), _details(form))
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            if from_story is not None:
                stories.link_reported_barrier(_me(), from_story.id, barrier)
            flash("Thank you: the barrier is on the register.", "success")
            return redirect(_barrier_url(barrier))
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
        return redirect(_barrier_url(barrier))
    form = BarrierForm(obj=barrier if request.method == "GET" else None)
    _fill_choices(form, barrier)
    if request.method == "GET":
        form.team_id.data = barrier.team_id or 0
        form.initiative_id.data = barrier.initiative_id or 0
        form.department_id.data = barrier.department_id or 0
        form.version.data = str(barrier.version)
    current = None
    if form.validate_on_submit():
        raw = str(form.version.data or "")
        try:
            services.edit_barrier(
                _me(), barrier, _details(form), int(raw) if raw.isdigit() else None
            )
        except services.Stale as exc:
            current = exc.current
            form.version.data = str(current.version)
            flash(exc.message, "warning")
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash("Saved.", "success")
            return redirect(_barrier_url(barrier))
    status = 409 if current is not None else (422 if form.errors else 200)
    return render_template(
        "barriers/form.html", form=form, barrier=barrier, current=current
    ), status


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
        _owner_choices(action_form, barrier.team)
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
    return [i for i in (_id_or_none(v) for v in request.form.getlist("restore_actions")) if i]


@bp.get("/barriers/<int:barrier_id>")
def show(barrier_id: int) -> str:
    return _render_barrier(services.get_barrier(barrier_id))


def _version(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if text.isdigit() else None


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
                _version(form.version.data),
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
            return redirect(_barrier_url(barrier))
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
                _me(), barrier, form.reason.data, _version(form.version.data), restore=restore
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
            return redirect(_barrier_url(barrier))
    else:
        status = 422
    return _render_barrier(
        services.get_barrier(barrier_id), reopen_form=form, restore=restore
    ), status


# --- Actions ------------------------------------------------------------------------------------


def _owner_choices(
    form: ActionForm | ActionUpdateForm, team: Team | None, keep: User | None = None
) -> None:
    """The team's members (or every active person when no team works on it), me first."""
    me = _me()
    if team is not None:
        people = [m.user for m in team.active_memberships()]
    else:
        people = list(
            db.session.scalars(
                select(User)
                .where(User.active.is_(True), User.password_hash.is_not(None))
                .order_by(User.name)
            )
        )
    if keep is not None and keep not in people:
        people.append(keep)
    people = sorted(
        {p.id: p for p in people if p.id != me.id}.values(), key=lambda u: u.name.lower()
    )
    form.owner_id.choices = options([(me.id, f"Me ({me.name})")] + [(p.id, p.name) for p in people])


def _id_or_none(raw: Any) -> int | None:
    try:
        return parse_id(str(raw or ""))
    except ValueError:
        return None


def _subject_from(form: ActionForm) -> tuple[Barrier | None, Initiative | None]:
    barrier_id, initiative_id = (
        _id_or_none(form.barrier_id.data),
        _id_or_none(form.initiative_id.data),
    )
    barrier = services.get_barrier(barrier_id) if barrier_id else None
    initiative = initiatives.get_initiative(initiative_id) if initiative_id else None
    return barrier, initiative


def _subject_url(barrier: Barrier | None, initiative: Initiative | None) -> str:
    if barrier is not None:
        return _barrier_url(barrier)
    assert initiative is not None  # an action has one or the other (a check constraint)
    return url_for("initiatives.show", initiative_id=initiative.id)


@bp.route("/actions/new", methods=["GET", "POST"])
def new_action() -> str | BaseResponse | tuple[str, int]:
    """Log an action against a barrier (``?barrier=``) or an initiative (``?initiative=``)."""
    form = ActionForm()
    if request.method == "GET":
        form.barrier_id.data = request.args.get("barrier", "")
        form.initiative_id.data = request.args.get("initiative", "")
    barrier, initiative = _subject_from(form)
    subject = barrier or initiative
    if subject is None:
        flash("Open a barrier or an initiative to log an action on it.", "warning")
        return redirect(url_for("barriers.my_actions"))
    require(current_user, "log_action", subject)
    _owner_choices(form, subject.team)
    if request.method == "GET":
        form.owner_id.data = current_user.id
    back = _subject_url(barrier, initiative)
    if form.validate_on_submit():
        details = services.ActionDetails(
            description=form.description.data or "",
            owner_id=form.owner_id.data or None,
            due_on=form.due_on.data,
        )
        try:
            services.log_action(_me(), details, barrier=barrier, initiative=initiative)
        except NotAllowed:
            raise
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash("Action logged.", "success")
            return redirect(safe_local_url(form.next.data, back) + "#actions")
    return render_template(
        "barriers/action_form.html",
        form=form,
        barrier=barrier,
        initiative=initiative,
        back=back,
        action=None,
    ), (422 if form.errors else 200)


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
def edit_action(action_id: int) -> str | BaseResponse | tuple[str, int]:
    action = services.get_action(action_id)
    require(current_user, "update_action", action)
    if action.is_frozen and action.barrier is not None:
        flash("This action's barrier is closed. Reopen the barrier to change it.", "warning")
        return redirect(_barrier_url(action.barrier))
    # Only a GET fills the form from the action: a post stands on what it sends (a missing
    # version must not quietly become the current one).
    form = ActionUpdateForm(obj=action if request.method == "GET" else None)
    _owner_choices(form, action.team, keep=action.owner)
    if request.method == "GET":
        form.version.data = str(action.version)
        form.next.data = request.args.get("next", "")
        if request.args.get("status") in {s.value for s in ActionStatus}:
            form.status.data = request.args["status"]
    back = _subject_url(action.barrier, action.initiative)
    current = None
    if form.validate_on_submit():
        change = services.change_for(
            action,
            status=form.status.data or "",
            description=form.description.data or "",
            owner_id=form.owner_id.data or None,
            due_on=form.due_on.data,
            outcome=form.outcome.data,
        )
        try:
            services.update_action(_me(), action, change, _version(form.version.data))
        except services.Stale as exc:
            current = exc.current
            form.version.data = str(current.version)
            flash(exc.message, "warning")
        except NotAllowed:
            raise
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash("Action updated.", "success")
            return redirect(safe_local_url(form.next.data, back))
    status = 409 if current is not None else (422 if form.errors else 200)
    return render_template(
        "barriers/action_form.html",
        form=form,
        action=action,
        barrier=action.barrier,
        initiative=action.initiative,
        back=safe_local_url(form.next.data, back),
        current=current,
    ), status


@bp.get("/actions/")
def my_actions() -> str:
    me = _me()
    return render_template(
        "barriers/my_actions.html",
        actions=queries.my_actions(me),
        finished=queries.my_finished_actions(me),
        today=queries.today_for(me),
    )
