"""A person's own profile, password and API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from teams_app import audit
from teams_app.account import services as tokens
from teams_app.account.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EmailChangeForm,
    ProfileForm,
    TokenForm,
)
from teams_app.auth import throttle
from teams_app.auth.session import begin_session, has_remember_cookie
from teams_app.errors import ServiceError
from teams_app.forms import department_options
from teams_app.people import services as people
from teams_app.security import LinkError
from teams_app.sso.flow import providers as sso_providers
from teams_app.sso.forms import WelcomeForm
from teams_app.views import apply_field_errors, current_person, safe_local_url

bp = Blueprint("account", __name__, url_prefix="/account")


_me = current_person


def _render(
    profile_form: ProfileForm | None = None,
    password_form: ChangePasswordForm | None = None,
    token_form: TokenForm | None = None,
    email_form: EmailChangeForm | None = None,
    new_secret: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    me = _me()
    if profile_form is None:
        profile_form = ProfileForm(obj=me, formdata=None)
        profile_form.department_id.data = me.department_id or 0
    profile_form.department_id.choices = department_options("No department")
    return (
        render_template(
            "account/profile.html",
            profile_form=profile_form,
            password_form=password_form or ChangePasswordForm(formdata=None),
            token_form=token_form or TokenForm(formdata=None),
            email_form=email_form or EmailChangeForm(formdata=None),
            confirm_form=ConfirmForm(),
            tokens=tokens.live_tokens(me),
            new_secret=new_secret,
            identities=me.identities,
            sso_providers=sso_providers(),
        ),
        status,
    )


@bp.get("/")
@login_required
def profile() -> tuple[str, int]:
    return _render()


@bp.post("/")
@login_required
def update_profile() -> tuple[str, int] | Response:
    form = ProfileForm()
    form.department_id.choices = department_options("No department")
    if form.validate_on_submit():
        try:
            people.update_profile(
                _me(),
                people.ProfileChanges(
                    name=form.name.data,
                    level=form.level.data,
                    department_id=form.department_id.data or None,
                    clear_department=not form.department_id.data,
                    timezone=form.timezone.data,
                    digest_frequency=form.digest_frequency.data,
                    digest_weekday=form.digest_weekday.data,
                    digest_hour=form.digest_hour.data,
                ),
            )
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("account.profile"))
    return _render(profile_form=form, status=422)


@bp.post("/password")
@login_required
def change_password() -> tuple[str, int] | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = people.change_password(
                _me(), form.current_password.data or "", form.new_password.data or ""
            )
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            # This session continues under the new session version, as a sign-in would start it.
            begin_session(user, remember=has_remember_cookie())
            flash("Your password is changed. You were signed out everywhere else.", "success")
            return redirect(url_for("account.profile"))
    return _render(password_form=form, status=422)


@bp.post("/email")
@login_required
def change_email() -> tuple[str, int] | Response:
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            email = people.request_email_change(
                _me(), form.new_email.data or "", form.current_password.data or ""
            )
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(
                f"We have mailed a link to {email}. Your address changes when you use it "
                "(within the hour); until then, sign in with your current one.",
                "info",
            )
            return redirect(url_for("account.profile"))
    return _render(email_form=form, status=422)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> str | Response | tuple[str, int]:
    """The link from the mail: GET asks (mail scanners open links), POST makes the change. The
    signed token is the credential, so it works in any browser, signed in or not."""
    throttle.refuse_if_blocked("link")
    try:
        user, new_email = people.email_change_for_link(token)
        if request.method == "POST":  # CSRFProtect has checked the form's token
            people.confirm_email_change(token)
    except LinkError as exc:
        throttle.note_failure("link")
        audit.record("auth.link_refused", actor=None, purpose="email", reason=str(exc))
        return render_template("auth/link_invalid.html", message=str(exc), purpose="email"), 400
    if request.method == "POST":
        flash(f"Your address is now {new_email}. Sign in with it from now on.", "success")
        return redirect(
            url_for("account.profile" if current_user.is_authenticated else "auth.login")
        )
    return render_template(
        "account/confirm_email.html", user=user, new_email=new_email, form=ConfirmForm()
    )


@bp.post("/tokens")
@login_required
def create_token() -> tuple[str, int] | Response:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _, secret = tokens.create_token(_me(), form.name.data or "")
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            return _render(new_secret=secret)
    return _render(token_form=form, status=422)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    """CSRFProtect has already checked the form's token before this runs."""
    try:
        token = tokens.revoke_token(_me(), token_id)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(f"Token “{token.name}” is revoked; scripts using it stop working now.", "success")
    return redirect(url_for("account.profile"))


@bp.route("/welcome", methods=["GET", "POST"])
@login_required
def welcome() -> str | Response | tuple[str, int]:
    """The short page a new account from single sign-on sees: level and department."""
    me = _me()
    next_url = safe_local_url(request.args.get("next"), url_for("main.home"))
    form = WelcomeForm()
    form.department_id.choices = department_options("Choose later")
    if request.method == "GET":
        form.level.data = me.level
        form.department_id.data = me.department_id or 0
    elif form.validate_on_submit():
        try:
            people.update_profile(
                me,
                people.ProfileChanges(
                    level=form.level.data,
                    department_id=form.department_id.data or None,
                    clear_department=not form.department_id.data,
                ),
            )
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash("You're all set. Your profile has the rest of your settings.", "success")
            return redirect(next_url)
    status = 422 if request.method == "POST" else 200
    return render_template("account/welcome.html", form=form, next_url=next_url), status
