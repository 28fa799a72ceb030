"""Sign in and out, forgotten passwords, invitation links and optional self sign-up."""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from teams_app import audit, drafts
from teams_app.auth import services, throttle
from teams_app.auth.forms import ForgotPasswordForm, LoginForm, NewPasswordForm, SignUpForm
from teams_app.auth.session import begin_session
from teams_app.errors import InvalidInput
from teams_app.extensions import limiter
from teams_app.forms import department_options
from teams_app.people.services import find_user_by_email, normalise_email
from teams_app.security import LinkError
from teams_app.sso.routes import login_page_context
from teams_app.sso.services import sso_only
from teams_app.views import apply_field_errors, safe_local_url

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Sign-up answers this for every address, new or known, so it reveals nobody's account.
SIGN_UP_ANSWER = (
    "Check your mail: we have sent a message to that address with the next step. "
    "If it does not arrive in a few minutes, check your spam folder."
)


def submitted_email_key() -> str:
    """Rate-limit key for the address a form names, so guesses at one account spread over many
    client addresses still meet a limit. Hashed: the limiter's storage need not hold addresses."""
    email = normalise_email(request.form.get("email", ""))[:254]
    if not email:  # nothing to key on: the per-address limit alone applies
        return "no-email:" + get_remote_address()
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def account_locked(limit: RequestLimit) -> None:
    """The per-account limit on a sign-in or reset form was reached: record the lock-out."""

    account = find_user_by_email(request.form.get("email", ""))
    audit.record(
        "auth.locked_out",
        actor=None,
        object=account,
        scope="account",
        form=request.endpoint,
        limit=str(limit.limit),
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
@limiter.limit(
    "10 per minute; 30 per hour",
    methods=["POST"],
    key_func=submitted_email_key,
    on_breach=account_locked,
)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "POST":
        throttle.refuse_if_blocked("sign_in")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            kept = session.get(drafts.SESSION_KEY)  # a form refused while signed out
            begin_session(user, remember=bool(form.remember.data))
            restored = drafts.claim(kept, user)
            flash(
                f"Welcome back, {user.first_name}."
                + (
                    " What you typed before your session expired is back in the form: check it"
                    " and send it again."
                    if restored
                    else ""
                ),
                "success",
            )
            return redirect(safe_local_url(request.args.get("next"), url_for("main.home")))
        throttle.note_failure("sign_in")
        form.password.errors = [services.sign_in_failed_message()]
    sso = login_page_context()
    return render_template(
        "auth/login.html",
        form=form,
        signup_open=bool(current_app.config["ALLOWED_EMAIL_DOMAINS"]) and not sso["sso_only"],
        **sso,
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Signing out ends this person's sessions on every device."""
    services.end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    response = redirect(url_for("auth.login"))
    # What the browser kept of signed-in pages goes too (the session cookie is re-issued empty).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
@limiter.limit(
    "3 per minute; 10 per hour",
    methods=["POST"],
    key_func=submitted_email_key,
    on_breach=account_locked,
)
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data or "")
        flash(
            "If that address belongs to an active account, a reset link is on its way. "
            "It works once, for the next hour.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form, sso_only=sso_only())


def _link_refused(purpose: str, error: LinkError) -> tuple[str, int]:
    """A forged, used or expired link: counted against the address, recorded, explained."""

    throttle.note_failure("link")
    audit.record("auth.link_refused", actor=None, purpose=purpose, reason=str(error))
    return render_template("auth/link_invalid.html", message=str(error), purpose=purpose), 400


def _password_from_link(
    purpose: str, token: str, template: str
) -> str | Response | tuple[str, int]:
    throttle.refuse_if_blocked("link")
    try:
        user = services.user_for_link(purpose, token)
    except LinkError as exc:
        return _link_refused(purpose, exc)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_from_link(purpose, token, form.password.data or "")
        except InvalidInput as exc:
            apply_field_errors(form, exc)
        except LinkError as exc:
            return _link_refused(purpose, exc)
        else:
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=user)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    return _password_from_link("reset", token, "auth/reset.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    return _password_from_link("invite", token, "auth/invitation.html")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def signup() -> str | Response:
    """The same answer for every address, new or known: the mail tells the owner what next."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    domains = current_app.config["ALLOWED_EMAIL_DOMAINS"]
    if sso_only():
        flash("Sign in with your work account below: your account is made the first time.", "info")
        return redirect(url_for("auth.login"))
    if not domains:
        flash("Self sign-up is not open here. Ask an admin to invite you.", "info")
        return redirect(url_for("auth.login"))
    form = SignUpForm()
    form.department_id.choices = department_options("Choose later")
    if form.validate_on_submit():
        try:
            services.sign_up(
                form.email.data or "",
                form.name.data or "",
                form.department_id.data or None,
                form.level.data or "",
            )
        except InvalidInput as exc:
            apply_field_errors(form, exc)
        else:
            flash(SIGN_UP_ANSWER, "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/signup.html", form=form, domains=domains)
