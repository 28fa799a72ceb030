"""Initiative pages: the list, a team's board, one initiative, and the forms that change it."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from teams_app.barriers import queries as barrier_queries
from teams_app.errors import NotAllowed, ServiceError
from teams_app.forms import options
from teams_app.initiatives import pipeline, queries, services
from teams_app.initiatives.forms import InitiativeForm, MoveForm, UpdateForm
from teams_app.input_guard import parse_id
from teams_app.models import Health, Initiative
from teams_app.pagination import clamp, paginate
from teams_app.people import search as people_search
from teams_app.permissions import require
from teams_app.teams import services as teams
from teams_app.teams.queries import TeamFilter, directory_query
from teams_app.views import (
    apply_field_errors,
    current_person,
    edit_with_version,
    safe_local_url,
    signed_in_only,
)

bp = Blueprint("initiatives", __name__)
signed_in_only(bp)


_me = current_person


def _page_url(initiative: Initiative) -> str:
    return url_for("initiatives.show", initiative_id=initiative.id)


def _owner_choices(team_id: int) -> list[SelectChoice]:
    team = teams.get_team(team_id)
    people = sorted((m.user for m in team.active_memberships()), key=lambda u: u.name.lower())
    return options([(0, "Me")] + [(u.id, u.name) for u in people])


def move_form_for(initiative: Initiative, next_url: str = "") -> MoveForm:
    form = MoveForm(formdata=None, from_stage_id=str(initiative.stage_id), next=next_url)
    form.to_stage_id.choices = options((s.id, s.name) for s in pipeline.stages())
    form.to_stage_id.data = initiative.stage_id
    return form


@bp.get("/initiatives/")
def index() -> str:
    args = request.args
    stale = {"yes": True, "no": False}.get(args.get("stale", ""))
    owner = _owner_from_args()
    f = queries.InitiativeFilter(
        team_id=args.get("team", type=parse_id),
        stage_id=args.get("stage", type=parse_id),
        health=args.get("health") if args.get("health") in {h.value for h in Health} else None,
        owner_id=owner.person.id if owner.person else None,
        stale=stale,
        sort=args.get("sort", "") if args.get("sort") in queries.SORTS else "updated",
    )
    page, per_page = clamp(args.get("page"), args.get("per_page"), current_app.config["PER_PAGE"])
    results = queries.list_page(f, page, per_page)
    team_list = paginate(directory_query(TeamFilter(status="active")), 1, 200).items
    return render_template(
        "initiatives/index.html",
        results=results,
        f=f,
        stages=pipeline.stages(),
        teams=team_list,
        owner=owner,
        owner_text=args.get("owner_name", owner.person.name if owner.person else "").strip(),
        now=services.utcnow(),
    )


def _owner_from_args() -> people_search.Resolved:
    """The owner filter: ``owner`` (an id: links, and the typeahead once a name is picked) unless
    the typed ``owner_name`` names someone else, which the server then resolves (no JavaScript)."""
    chosen = people_search.by_id(request.args.get("owner", type=parse_id))
    typed = request.args.get("owner_name")
    if typed is None or (chosen is not None and people_search.names(typed, chosen)):
        return people_search.Resolved(chosen)
    return people_search.resolve(typed, current_person())


@bp.route("/teams/<slug>/initiatives/new", methods=["GET", "POST"])
def new(slug: str) -> str | Response | tuple[str, int]:
    team = teams.get_team_by_slug(slug)
    require(current_user, "add_initiative", team)
    form = InitiativeForm()
    form.owner_id.choices = _owner_choices(team.id)
    if form.validate_on_submit():
        details = services.Details(
            title=form.title.data or "",
            summary=form.summary.data,
            owner_id=form.owner_id.data or None,
            target_date=form.target_date.data,
        )
        try:
            initiative = services.create_initiative(_me(), team, details)
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash("The initiative is added in the first stage.", "success")
            return redirect(_page_url(initiative))
    return render_template("initiatives/form.html", form=form, team=team, initiative=None), (
        422 if form.errors else 200
    )


@bp.get("/teams/<slug>/board")
def board(slug: str) -> str:
    team = teams.get_team_by_slug(slug)
    return render_template(
        "initiatives/board.html",
        team=team,
        columns=queries.board(team.id),
        move_form=MoveForm(),
        now=services.utcnow(),
    )


def _render_page(initiative: Initiative, update_form: UpdateForm) -> str:
    changes = services.history(initiative)
    return render_template(
        "initiatives/show.html",
        initiative=initiative,
        changes=changes,
        stage_times=services.time_in_stages(changes),
        cycle_days=services.cycle_days(initiative),
        updates=services.updates(initiative),
        stale=services.is_stale(initiative),
        move_form=move_form_for(initiative),
        update_form=update_form,
        barriers=barrier_queries.barriers_for(initiative_id=initiative.id),
        actions=barrier_queries.actions_of_initiative(initiative.id),
        today=barrier_queries.today_for(current_person()),
        now=services.utcnow(),
    )


@bp.get("/initiatives/<int:initiative_id>")
def show(initiative_id: int) -> str:
    initiative = services.get_initiative(initiative_id)
    return _render_page(initiative, UpdateForm(formdata=None, health=initiative.health))


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
def edit(initiative_id: int) -> str | Response | tuple[str, int]:
    initiative = services.get_initiative(initiative_id)
    require(current_user, "edit_initiative", initiative)
    form = InitiativeForm(obj=initiative)
    form.owner_id.choices = _owner_choices(initiative.team_id)

    def save(version: int | None) -> None:
        details = services.Details(
            title=form.title.data or "",
            summary=form.summary.data,
            owner_id=form.owner_id.data or None,
            target_date=form.target_date.data,
        )
        services.edit_initiative(_me(), initiative, details, version)

    return edit_with_version(
        form,
        save,
        saved="Saved.",
        then=_page_url(initiative),
        template="initiatives/form.html",
        team=initiative.team,
        initiative=initiative,
    )


@bp.post("/initiatives/<int:initiative_id>/move")
def move(initiative_id: int) -> Response | tuple[Response, int]:
    """The board's drag and drop posts this same form (with fetch); without JavaScript it is a
    plain form. JSON callers get the message and status; browsers a flash and a redirect."""
    initiative = services.get_initiative(initiative_id)
    require(current_user, "move_initiative", initiative)
    form = MoveForm()
    form.to_stage_id.choices = options((s.id, s.name) for s in pipeline.stages())
    back = safe_local_url(form.next.data, _page_url(initiative))
    wants_json = request.accept_mimetypes.best == "application/json"
    if not form.validate():
        message = "Choose a stage to move it to."
        return _move_answer(wants_json, back, message, 422)
    raw = str(form.from_stage_id.data or "")
    try:
        moved = services.move_initiative(
            _me(),
            initiative,
            form.to_stage_id.data,
            from_stage_id=int(raw) if raw.isdigit() else None,
            note=form.note.data,
        )
    except NotAllowed as exc:
        return _move_answer(wants_json, back, exc.message, 403)
    except ServiceError as exc:
        message = (
            exc.message if not exc.fields else " ".join(m for ms in exc.fields.values() for m in ms)
        )
        # The board asks for a note only when the server says one is needed (moving back or
        # stopping): the rule lives in the service, not in the page's script.
        return _move_answer(wants_json, back, message, exc.status, needs_note="note" in exc.fields)
    return _move_answer(
        wants_json, back, f"Moved to {moved.stage.name}.", 200, stage_id=moved.stage_id
    )


def _move_answer(
    wants_json: bool,
    back: str,
    message: str,
    status: int,
    *,
    needs_note: bool = False,
    stage_id: int | None = None,
) -> Response | tuple[Response, int]:
    if wants_json:
        body = {"message": message, "ok": status == 200, "needs_note": needs_note}
        if stage_id is not None:
            body["stage_id"] = stage_id
        return jsonify(body), status
    flash(message, "success" if status == 200 else "danger")
    return redirect(back)


@bp.post("/initiatives/<int:initiative_id>/updates")
def post_update(initiative_id: int) -> str | Response | tuple[str, int]:
    initiative = services.get_initiative(initiative_id)
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            services.post_update(_me(), initiative, form.health.data or "", form.body.data or "")
        except NotAllowed:
            abort(403)
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash("Update posted.", "success")
            return redirect(_page_url(initiative) + "#updates")
    require(current_user, "post_update", initiative)
    return _render_page(initiative, form), 422
