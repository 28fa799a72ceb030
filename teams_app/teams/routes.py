"""Team pages. Thin: parse the form, call teams.services, flash and redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from teams_app.account.forms import ConfirmForm
from teams_app.barriers import queries as barrier_queries
from teams_app.errors import ServiceError
from teams_app.forms import options
from teams_app.initiatives.queries import team_initiatives
from teams_app.input_guard import parse_id
from teams_app.models import Level, Team, TeamStatus, User, utcnow
from teams_app.pagination import clamp, paginate
from teams_app.people.services import DirectoryFilter, directory_query, list_departments
from teams_app.permissions import can, require
from teams_app.teams import queries, services
from teams_app.teams.forms import (
    CharterForm,
    CloseForm,
    DeclineForm,
    JoinForm,
    MemberForm,
    RoleForm,
    TeamForm,
)
from teams_app.views import (
    apply_field_errors,
    current_person,
    edit_with_version,
    flash_outcome,
    signed_in_only,
)

bp = Blueprint("teams", __name__, url_prefix="/teams")


signed_in_only(bp)


_me = current_person


def _team_url(team: Team) -> str:
    return url_for("teams.show", slug=team.slug)


def _charter_from(form: TeamForm) -> services.Charter:
    return services.Charter(
        name=form.name.data or "",
        problem=form.problem.data or "",
        goal=form.goal.data or "",
        scope=form.scope.data,
        open_to_join=form.join_policy.data != "ask",
        max_members=form.max_members.data,
        update_interval_days=form.update_interval_days.data or 14,
    )


def _act(slug: str, action: Callable[[Team], Any], success: str) -> Response:
    """Run a one-click team action; refusals are flashed, never a 500."""
    team = services.get_team_by_slug(slug)
    flash_outcome(lambda: action(team), success)
    return redirect(_team_url(team))


# --- Directory and proposals ------------------------------------------------------------------


@bp.get("/")
def directory() -> str:
    args = request.args
    status = args.get("status") if args.get("status") in {s.value for s in TeamStatus} else None
    openings = {"yes": True, "no": False}.get(args.get("has_openings", ""))
    f = queries.TeamFilter(
        q=(args.get("q") or "").strip()[:100],
        status=status,
        department_id=args.get("department", type=parse_id),
        has_openings=openings,
    )
    page, per_page = clamp(args.get("page"), args.get("per_page"), current_app.config["PER_PAGE"])
    results = paginate(queries.directory_query(f), page, per_page)
    return render_template(
        "teams/directory.html",
        results=results,
        f=f,
        figures=queries.figures_for([t.id for t in results.items]),
        departments=list_departments(),
        levels=[lv.value for lv in Level],
    )


@bp.route("/new", methods=["GET", "POST"])
def propose() -> str | Response | tuple[str, int]:
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.propose_team(_me(), _charter_from(form))
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(
                "Your team is proposed. Leadership will review it; you are its first lead.",
                "success",
            )
            return redirect(_team_url(team))
    return render_template("teams/form.html", form=form, team=None), (422 if form.errors else 200)


@bp.get("/proposals")
def proposals() -> str:
    require(current_user, "review_proposals")
    return render_template("teams/proposals.html", teams=services.proposal_queue())


# --- One team ----------------------------------------------------------------------------------


# The team page shows the first of these (by stage; unresolved and worst first) and links the
# full lists (the team's board, the barrier register): a big team's page stays small.
PAGE_INITIATIVES = 30
PAGE_BARRIERS = 20


@bp.get("/<slug>")
def show(slug: str) -> str:
    team = services.get_team_by_slug(slug)
    me = _me()
    candidates: list[User] = []
    add_q = (request.args.get("add_q") or "").strip()[:100]
    if add_q and can(me, "manage_members", team):
        found = paginate(directory_query(DirectoryFilter(q=add_q)), 1, 10).items
        candidates = [u for u in found if u.id not in team.member_ids()]
    # One more than shown, to know whether to link the full list.
    initiatives = team_initiatives(team.id, limit=PAGE_INITIATIVES + 1)
    barriers = barrier_queries.barriers_for(team_id=team.id, limit=PAGE_BARRIERS + 1)
    return render_template(
        "teams/show.html",
        team=team,
        me_membership=team.membership_of(me.id),
        table=queries.at_the_table(team),
        feed=queries.team_feed(team.id),
        initiatives=initiatives[:PAGE_INITIATIVES],
        more_initiatives=len(initiatives) > PAGE_INITIATIVES,
        barriers=barriers[:PAGE_BARRIERS],
        more_barriers=len(barriers) > PAGE_BARRIERS,
        team_actions=barrier_queries.team_actions(team.id),
        today=barrier_queries.today_for(me),
        now=utcnow(),
        candidates=candidates,
        add_q=add_q,
        join_form=JoinForm(),
        form=ConfirmForm(),
        member_form=MemberForm(),
        role_form=RoleForm(),
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> str | Response | tuple[str, int]:
    team = services.get_team_by_slug(slug)
    services.ensure_team_state("edit_charter", team)
    require(current_user, "edit_charter", team)
    # join_policy is not a column: give the current one, so a post without it changes nothing.
    form = TeamForm(obj=team, join_policy="open" if team.open_to_join else "ask")
    return edit_with_version(
        form,
        lambda version: services.update_charter(_me(), team, _charter_from(form), version),
        saved="The charter is saved.",
        then=lambda: _team_url(team),
        template="teams/form.html",
        team=team,
    )


def _unless_proposed(team: Team, done: str) -> Response | None:
    """Leadership's decision pages: only for proposals; anything else goes back to the team."""
    require(current_user, "review_proposals")
    if team.status == TeamStatus.PROPOSED.value:
        return None
    flash(f"This team is {team.status}; only a proposed team can be {done}.", "warning")
    return redirect(_team_url(team))


@bp.route("/<slug>/charter", methods=["GET", "POST"])
def charter(slug: str) -> str | Response | tuple[str, int]:
    team = services.get_team_by_slug(slug)
    if (elsewhere := _unless_proposed(team, "chartered")) is not None:
        return elsewhere
    form = CharterForm()
    sponsors = services.leadership_choices()
    form.sponsor_id.choices = options(
        [(0, "Choose a sponsor")] + [(u.id, u.name) for u in sponsors]
    )
    if request.method == "GET":
        # Whoever charters it usually sponsors it; an admin chartering picks someone.
        me = _me()
        form.sponsor_id.data = me.id if any(u.id == me.id for u in sponsors) else 0
    if form.validate_on_submit():
        try:
            services.charter_team(_me(), team, form.sponsor_id.data, form.note.data)
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(f"{team.name} is chartered. The proposer has been told.", "success")
            return redirect(_team_url(team))
    return render_template("teams/decide.html", team=team, form=form, decision="charter"), (
        422 if form.errors else 200
    )


@bp.route("/<slug>/decline", methods=["GET", "POST"])
def decline(slug: str) -> str | Response | tuple[str, int]:
    team = services.get_team_by_slug(slug)
    if (elsewhere := _unless_proposed(team, "declined")) is not None:
        return elsewhere
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            services.decline_team(_me(), team, form.reason.data or "")
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(f"{team.name} is declined. The proposer has been told why.", "info")
            return redirect(url_for("teams.proposals"))
    return render_template("teams/decide.html", team=team, form=form, decision="decline"), (
        422 if form.errors else 200
    )


@bp.route("/<slug>/close", methods=["GET", "POST"])
def close(slug: str) -> str | Response | tuple[str, int]:
    team = services.get_team_by_slug(slug)
    services.ensure_team_state("close_team", team)
    require(current_user, "close_team", team)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close_team(_me(), team, form.summary.data or "")
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(f"{team.name} is closed. Thank you for the work.", "success")
            return redirect(_team_url(team))
    return render_template("teams/decide.html", team=team, form=form, decision="close"), (
        422 if form.errors else 200
    )


@bp.post("/<slug>/join")
def join(slug: str) -> Response:
    form = JoinForm()
    message = form.message.data if form.validate() else None
    team = services.get_team_by_slug(slug)
    success = (
        f"Welcome to {team.name}!"
        if team.open_to_join
        else "Your request is sent. The team's leads will answer."
    )
    return _act(slug, lambda t: services.join_team(_me(), t, message), success)


@bp.post("/<slug>/leave")
def leave(slug: str) -> Response:
    return _act(slug, lambda t: services.leave_team(_me(), t), "You have left the team.")


@bp.post("/<slug>/members")
def add_member(slug: str) -> Response:
    user_id = request.form.get("user_id", type=parse_id) or 0
    return _act(slug, lambda t: services.add_member(_me(), t, user_id), "Added to the team.")


@bp.post("/<slug>/members/<int:user_id>/accept")
def accept(slug: str, user_id: int) -> Response:
    return _act(
        slug, lambda t: services.decide_request(_me(), t, user_id, True), "Request accepted."
    )


@bp.post("/<slug>/members/<int:user_id>/decline")
def decline_request(slug: str, user_id: int) -> Response:
    return _act(
        slug, lambda t: services.decide_request(_me(), t, user_id, False), "Request declined."
    )


@bp.post("/<slug>/members/<int:user_id>/role")
def set_role(slug: str, user_id: int) -> Response:
    role = request.form.get("role", "")
    return _act(slug, lambda t: services.set_member_role(_me(), t, user_id, role), "Role changed.")


@bp.post("/<slug>/members/<int:user_id>/remove")
def remove(slug: str, user_id: int) -> Response:
    return _act(slug, lambda t: services.remove_member(_me(), t, user_id), "Removed from the team.")
