"""Flask-Login wiring: the alternative id ``"<user id>:<session version>"`` ends old sessions."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
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


def unauthorized() -> Response:
    if request.path.startswith("/api/"):
        from flask import abort

        abort(401)
    flash("Please sign in to continue.", "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"
