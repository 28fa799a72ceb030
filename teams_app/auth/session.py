"""Flask-Login wiring: the alternative id ``"<user id>:<session version>"`` ends old sessions."""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from teams_app.extensions import db, login_manager
from teams_app.models import User


def load_user(alt_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in alt_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def begin_session(user: User, remember: bool = False) -> None:
    """A fresh session at every sign-in: nothing from before survives (no fixation).

    Permanent, so it lasts PERMANENT_SESSION_LIFETIME; ``remember`` adds the remember-me cookie.
    """
    session.clear()
    login_user(user, remember=remember)
    session.permanent = True


def has_remember_cookie() -> bool:
    """Whether this browser chose "keep me signed in" (its remember-me cookie came along)."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def unauthorized() -> Response:
    if request.path.startswith("/api/"):
        from flask import abort

        abort(401)
    from teams_app.drafts import from_our_pages

    if request.method == "POST" and from_our_pages():
        return expired_form()
    flash("Please sign in to continue.", "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def expired_form() -> Response:
    """A form sent after the session expired (its CSRF token is stale, or the person was signed
    out meanwhile): keep what was typed, and bring the person back to the form to send it
    again, through the sign-in page when they need to sign in."""
    from flask_login import current_user

    from teams_app import drafts

    user = current_user._get_current_object() if current_user.is_authenticated else None
    page = drafts.form_page()
    kept = drafts.keep(user)
    if user is not None or request.blueprint == "auth":
        flash(
            "This page had been open for a long time, so for your security it was not sent. "
            + (
                "What you typed is back in the form: check it and send it again."
                if kept
                else "Please try again."
            ),
            "warning",
        )
        return redirect(page)
    flash(
        "Your session expired, so nothing was saved yet. "
        + (
            "Sign in again and you will be back on the form with what you typed."
            if kept
            else "Sign in again to continue."
        ),
        "info",
    )
    return redirect(url_for("auth.login", next=page))


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"
