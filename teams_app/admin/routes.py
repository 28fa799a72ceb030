"""Admin: invite staff, change roles, deactivate and reactivate, manage departments, job health."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from teams_app import outbox
from teams_app.account.forms import ConfirmForm
from teams_app.admin import audit_log as audit_log_queries
from teams_app.admin.operations import queue_overview
from teams_app.audit import EVENTS, WARNINGS
from teams_app.digests import services as digests
from teams_app.errors import ServiceError
from teams_app.forms import department_options
from teams_app.initiatives import pipeline
from teams_app.models import Department, OutboxJob, OutboxStatus, Role, Stage, User
from teams_app.pagination import clamp, paginate
from teams_app.people import services
from teams_app.people.forms import DepartmentForm, InviteForm, RoleForm, StageForm
from teams_app.people.routes import directory_page
from teams_app.permissions import role_required
from teams_app.views import (
    apply_field_errors,
    back_or,
    current_person,
    flash_outcome,
    get_or_404,
    render_confirm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
@role_required(Role.ADMIN)
def _admins_only() -> None:
    """Every page here is for admins; the permission matrix test checks each one."""


_me = current_person


@bp.get("/users")
def users() -> str:
    f, results = directory_page(admin_view=True)
    return render_template(
        "admin/users.html",
        results=results,
        f=f,
        departments=services.list_departments(),
        role_form=RoleForm(),
        confirm_form=ConfirmForm(),
        status=request.args.get("status", ""),
    )


@bp.route("/users/invite", methods=["GET", "POST"])
def invite() -> str | Response | tuple[str, int]:
    form = InviteForm()
    form.department_id.choices = department_options("No department")
    if form.validate_on_submit():
        try:
            user = services.invite_user(
                _me(),
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data or "staff",
                level=form.level.data or "frontline",
                department_id=form.department_id.data or None,
            )
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(f"Invitation sent to {user.email}. The link works for 7 days.", "success")
            return redirect(url_for("admin.users", q=user.email))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/invite.html", form=form), status


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.set_role(_me(), user, form.role.data or "")
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"{user.name} is now {user.role}.", "success")
    else:
        flash("Choose staff, leadership or admin.", "danger")
    return redirect(back_or(url_for("admin.users")))


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
def deactivate(user_id: int) -> str | Response:
    user = get_or_404(User, user_id)
    if request.method == "GET":
        return render_confirm(
            title=f"Deactivate {user.name}?",
            body="They will be signed out everywhere, their API tokens stop working, and they "
            "cannot sign in until an admin reactivates the account. Nothing they made is deleted.",
            action=url_for("admin.deactivate", user_id=user.id),
            button="Deactivate account",
            cancel=url_for("admin.users"),
        )
    flash_outcome(
        lambda: services.set_active(_me(), user, False),
        lambda: f"{user.name} is deactivated and signed out everywhere.",
    )
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/sign-out", methods=["GET", "POST"])
def end_sessions(user_id: int) -> str | Response:
    """Sign a person out on every device (a lost laptop, a shared password)."""
    user = get_or_404(User, user_id)
    if request.method == "GET":
        return render_confirm(
            title=f"Sign {user.name} out everywhere?",
            body="Every session and “keep me signed in” cookie they hold ends now; they can sign "
            "in again with their password. API tokens keep working: revoke those from their "
            "owner's profile, or deactivate the account.",
            action=url_for("admin.end_sessions", user_id=user.id),
            button="Sign out everywhere",
            cancel=url_for("admin.users"),
        )
    flash_outcome(
        lambda: services.end_sessions(_me(), user),
        lambda: f"{user.name} is signed out on every device.",
    )
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    flash_outcome(
        lambda: services.set_active(_me(), user, True), lambda: f"{user.name} can sign in again."
    )
    return redirect(back_or(url_for("admin.users")))


@bp.post("/users/<int:user_id>/resend-invitation")
def resend_invitation(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    flash_outcome(
        lambda: services.resend_invitation(_me(), user),
        lambda: f"A new invitation is on its way to {user.email}.",
    )
    return redirect(back_or(url_for("admin.users")))


@bp.route("/departments", methods=["GET", "POST"])
def departments() -> tuple[str, int] | Response:
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            dept = services.create_department(
                _me(), form.name.data or "", form.kind.data or "branch"
            )
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(f"{dept.name} is added.", "success")
            return redirect(url_for("admin.departments"))
    return (
        render_template(
            "admin/departments.html",
            form=form,
            departments=services.list_departments(),
            counts=services.department_staff_counts(),
        ),
        422 if request.method == "POST" else 200,
    )


@bp.route("/departments/<int:dept_id>/edit", methods=["GET", "POST"])
def edit_department(dept_id: int) -> tuple[str, int] | Response:
    dept = get_or_404(Department, dept_id)
    form = DepartmentForm(obj=dept)
    if form.validate_on_submit():
        try:
            services.update_department(
                _me(), dept, form.name.data or "", form.kind.data or "branch"
            )
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(f"{dept.name} is saved.", "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_edit.html", form=form, dept=dept), (
        422 if request.method == "POST" else 200
    )


@bp.route("/departments/<int:dept_id>/delete", methods=["GET", "POST"])
def delete_department(dept_id: int) -> str | Response:
    dept = get_or_404(Department, dept_id)
    if request.method == "GET":
        return render_confirm(
            title=f"Delete {dept.name}?",
            body="This cannot be undone. A department that still has staff cannot be deleted.",
            action=url_for("admin.delete_department", dept_id=dept.id),
            button="Delete department",
            cancel=url_for("admin.departments"),
        )
    flash_outcome(lambda: services.delete_department(_me(), dept), "The department is deleted.")
    return redirect(url_for("admin.departments"))


@bp.get("/audit")
def audit_log() -> str:
    """Recent security events, newest first, filtered by kind, person, address, object, dates."""
    f = audit_log_queries.AuditFilter.from_args(request.args)
    page, per_page = clamp(request.args.get("page", 1), request.args.get("per_page", 50), 50)
    results = paginate(audit_log_queries.events_query(f), page, per_page)
    return render_template(
        "admin/audit.html",
        f=f,
        results=results,
        people=audit_log_queries.user_names(results.items),
        events=EVENTS,
        warnings=WARNINGS,
        families=audit_log_queries.families(),
    )


@bp.get("/operations")
def operations() -> str:
    shown = request.args.get("outbox", OutboxStatus.FAILED.value)
    if shown not in {s.value for s in OutboxStatus}:
        shown = OutboxStatus.FAILED.value
    page, per_page = clamp(request.args.get("page"), 25)
    rows = outbox.listing(shown, page, per_page)
    return render_template(
        "admin/operations.html",
        overview=queue_overview(),
        digest_counts=digests.status_counts(),
        digest_runs=digests.recent_runs(),
        outbox_counts=outbox.status_counts(),
        outbox_rows=rows,
        outbox_subjects=outbox.subjects(rows.items),
        outbox_shown=shown,
        statuses=list(OutboxStatus),
        confirm_form=ConfirmForm(),
    )


@bp.route("/operations/outbox/<int:job_id>/resend", methods=["GET", "POST"])
def resend_job(job_id: int) -> str | Response:
    """Send a failed job again, after a confirmation page that says what it is."""
    row = get_or_404(OutboxJob, job_id)
    back = url_for("admin.operations", outbox="failed") + "#outbox"
    if request.method == "GET":
        subject = outbox.subjects([row])[row.id]
        return render_confirm(
            title=f"Resend this {row.label.lower()}?",
            body=f"{row.label} for {subject}, first queued {row.created_at:%d %b %Y %H:%M} UTC, "
            f"failed after {row.attempts} tries: {row.last_error or 'no error recorded'}. "
            "It goes back on the queue now; people it already reached are not mailed again. "
            "The resend is recorded in the audit trail with your name.",
            action=url_for("admin.resend_job", job_id=row.id),
            button="Resend",
            cancel=back,
        )
    flash_outcome(
        lambda: outbox.resend(_me(), row.id),
        lambda: f"The {row.label.lower()} is queued again.",
    )
    return redirect(back)


@bp.route("/stages", methods=["GET", "POST"])
def stages() -> tuple[str, int] | Response:
    """The stage pipeline: add, rename, reorder; a stage in use cannot be deleted."""
    form = StageForm()
    if form.validate_on_submit():
        try:
            stage = pipeline.add_stage(_me(), form.name.data or "", form.kind.data or "open")
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(f"{stage.name} is added at the end of the pipeline.", "success")
            return redirect(url_for("admin.stages"))
    return (
        render_template(
            "admin/stages.html",
            form=form,
            stages=pipeline.stages(),
            usage=pipeline.usage(),
            confirm_form=ConfirmForm(),
        ),
        422 if request.method == "POST" else 200,
    )


@bp.post("/stages/<int:stage_id>/edit")
def edit_stage(stage_id: int) -> Response:
    stage = get_or_404(Stage, stage_id)
    form = StageForm()
    if not form.validate():
        flash("Give the stage a name of at most 60 characters and a kind.", "danger")
        return redirect(url_for("admin.stages"))
    flash_outcome(
        lambda: pipeline.rename_stage(_me(), stage, form.name.data or "", form.kind.data or "open"),
        "The stage is saved.",
    )
    return redirect(url_for("admin.stages"))


@bp.post("/stages/<int:stage_id>/move")
def move_stage(stage_id: int) -> Response:
    stage = get_or_404(Stage, stage_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    try:
        pipeline.move_stage(_me(), stage, direction)
    except ServiceError as exc:
        flash(exc.message, "danger")
    return redirect(url_for("admin.stages"))


@bp.route("/stages/<int:stage_id>/delete", methods=["GET", "POST"])
def delete_stage(stage_id: int) -> str | Response:
    stage = get_or_404(Stage, stage_id)
    if request.method == "GET":
        return render_confirm(
            title=f"Delete the stage {stage.name}?",
            body="Only a stage that no initiative is in, or has ever been in, can be deleted.",
            action=url_for("admin.delete_stage", stage_id=stage.id),
            button="Delete stage",
            cancel=url_for("admin.stages"),
        )
    flash_outcome(lambda: pipeline.delete_stage(_me(), stage), "The stage is deleted.")
    return redirect(url_for("admin.stages"))


# Single sign-on pages live in their own module, on this blueprint.
from teams_app.admin import sign_in as _sign_in  # noqa: E402, F401
