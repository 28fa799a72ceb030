"""Action pages: log an action against a barrier or an initiative, update one, and "my
actions". On the barriers blueprint (endpoints ``barriers.new_action``, ``barriers.edit_action``,
``barriers.my_actions``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from teams_app.barriers import queries, services
from teams_app.barriers.blueprint import barrier_url, bp, id_or_none
from teams_app.barriers.forms import ActionForm, ActionUpdateForm
from teams_app.errors import NotAllowed, ServiceError
from teams_app.extensions import db
from teams_app.forms import options
from teams_app.initiatives import services as initiatives
from teams_app.models import ActionStatus, Barrier, Initiative, Team, User
from teams_app.permissions import require
from teams_app.views import apply_field_errors, current_person, edit_with_version, safe_local_url

_me = current_person


def owner_choices(
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


def _subject_from(form: ActionForm) -> tuple[Barrier | None, Initiative | None]:
    barrier_id, initiative_id = (
        id_or_none(form.barrier_id.data),
        id_or_none(form.initiative_id.data),
    )
    barrier = services.get_barrier(barrier_id) if barrier_id else None
    initiative = initiatives.get_initiative(initiative_id) if initiative_id else None
    return barrier, initiative


def _subject_url(barrier: Barrier | None, initiative: Initiative | None) -> str:
    if barrier is not None:
        return barrier_url(barrier)
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
    owner_choices(form, subject.team)
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
        return redirect(barrier_url(action.barrier))
    # Only a GET fills the form from the action: a post stands on what it sends (a missing
    # version must not quietly become the current one).
    form = ActionUpdateForm(obj=action if request.method == "GET" else None)
    owner_choices(form, action.team, keep=action.owner)
    if request.method == "GET":
        form.version.data = str(action.version)
        form.next.data = request.args.get("next", "")
        if request.args.get("status") in {s.value for s in ActionStatus}:
            form.status.data = request.args["status"]
    back = _subject_url(action.barrier, action.initiative)
    next_url = safe_local_url(form.next.data, back)

    def save(version: int | None) -> None:
        change = services.change_for(
            action,
            status=form.status.data or "",
            description=form.description.data or "",
            owner_id=form.owner_id.data or None,
            due_on=form.due_on.data,
            outcome=form.outcome.data,
        )
        services.update_action(_me(), action, change, version)

    return edit_with_version(
        form,
        save,
        saved="Action updated.",
        then=next_url,
        template="barriers/action_form.html",
        action=action,
        barrier=action.barrier,
        initiative=action.initiative,
        back=next_url,
    )


@bp.get("/actions/")
def my_actions() -> str:
    me = _me()
    return render_template(
        "barriers/my_actions.html",
        actions=queries.my_actions(me),
        finished=queries.my_finished_actions(me),
        today=queries.today_for(me),
    )
