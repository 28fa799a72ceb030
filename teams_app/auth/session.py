"""Sessions: Flask-Login wiring, and the checks that enforce ``session_limits`` on every request.

Every sign-in, by password today and by any later sign-in method, goes through
``begin_session``. It stores an alternative id ``"<user id>:<session version>:<signed-in
time>:<s|r>"`` (``r`` when the person chose "keep me signed in") in the session and, with
``remember``, in the remember-me cookie. ``load_user`` checks it on every request:

- the session version: bumping ``User.session_version`` (sign-out, password change or reset,
  deactivation, an admin ending the sessions) ends every session and remember cookie at once;
- the absolute lifetime, counted from the sign-in time carried in the id itself, so a remember
  cookie cannot outlive it: ``SESSION_MAX_AGE`` (12 hours), or ``REMEMBER_MAX_AGE`` (14 days)
  for a sign-in that chose "keep me signed in";
- the idle timeout, ``SESSION_IDLE_TIMEOUT`` (1 hour) since the last request. After it the
  session is over; a remember cookie (within its own lifetime) starts the next one.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from teams_app import audit, drafts
from teams_app.auth.session_limits import limits
from teams_app.drafts import from_our_pages
from teams_app.extensions import db, login_manager
from teams_app.models import User

# The last-activity time in the session moves in steps of a minute, so most responses leave
# the session unchanged and send no cookie (see SESSION_REFRESH_EACH_REQUEST); the idle
# timeout is then measured to within a minute.
SEEN_STEP = 60

REMEMBERED, SESSION_ONLY = "r", "s"


@dataclass(frozen=True)
class SessionId:
    user_id: int
    version: int
    signed_in: int  # seconds since the epoch
    remembered: bool

    def __str__(self) -> str:
        kind = REMEMBERED if self.remembered else SESSION_ONLY
        return f"{self.user_id}:{self.version}:{self.signed_in}:{kind}"

    @classmethod
    def parse(cls, raw: str) -> SessionId | None:
        parts = raw.split(":")
        if len(parts) != 4 or parts[3] not in (REMEMBERED, SESSION_ONLY):
            return None
        try:
            user_id, version, signed_in = (int(p) for p in parts[:3])
        except ValueError:
            return None
        return cls(user_id, version, signed_in, parts[3] == REMEMBERED)


def begin_session(user: User, remember: bool = False) -> None:
    """A fresh session at every sign-in: nothing from before survives (no fixation).

    The sign-in time goes into the session id (and the remember cookie), which the limits are
    measured from. Any sign-in method calls this, and only this, to sign a person in.
    """
    session.clear()
    login_user(user, remember=remember)
    session["_user_id"] = str(SessionId(user.id, user.session_version, _now(), remember))
    session["_seen"] = _now()
    session.permanent = True


def load_user(alt_id: str) -> User | None:
    """The person this session (or remember cookie) belongs to, if it is still valid."""

    sid = SessionId.parse(alt_id)
    if sid is None:
        _forget()
        return None
    # Every page's account menu shows the department: joined here, not lazy-loaded there.
    user = db.session.get(User, sid.user_id, options=[joinedload(User.department)])
    if user is None or not user.active or user.session_version != sid.version:
        audit.record(
            "auth.session_rejected",
            actor=None,
            object=("user", sid.user_id),
            reason="inactive" if user is not None and not user.active else "ended",
            remember_cookie=_from_remember_cookie(),
        )
        _forget()
        return None
    now, lim = _now(), limits()
    if now - sid.signed_in > lim.lifetime(sid.remembered).total_seconds():
        audit.record("auth.session_expired", actor=user, object=user, reason="max_age")
        g.session_ended = "max_age"
        _forget()
        return None
    seen = session.get("_seen")
    if seen is not None and now - int(seen) > lim.idle.total_seconds():
        session.pop("_seen", None)
        if not has_remember_cookie():  # else the remember cookie starts the next session
            audit.record("auth.session_expired", actor=user, object=user, reason="idle")
            g.session_ended = "idle"
            _forget()
        return None
    if seen is None or now - int(seen) >= SEEN_STEP:
        session["_seen"] = now
    return user


def _now() -> int:
    return int(time.time())


def _from_remember_cookie() -> bool:
    """Whether Flask-Login is trying the remember cookie (it copies it into the session)."""
    return has_remember_cookie() and session.get("_fresh") is False


def _forget() -> None:
    """Drop the session's sign-in (and the remember cookie), so it is refused only once."""
    for key in ("_user_id", "_fresh", "_id", "_seen"):
        session.pop(key, None)
    if has_remember_cookie():
        session["_remember"] = "clear"


def has_remember_cookie() -> bool:
    """Whether this browser chose "keep me signed in" (its remember-me cookie came along)."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


ENDED = {
    "idle": "You were signed out after {minutes} minutes without activity. Sign in again.",
    "max_age": "Your session reached its time limit. Sign in again to continue.",
}


def unauthorized() -> Response:
    if request.path.startswith("/api/"):
        abort(401)

    if request.method == "POST" and from_our_pages():
        return expired_form()
    reason = g.get("session_ended")
    if reason:
        minutes = int(limits().idle.total_seconds() // 60)
        flash(ENDED[reason].format(minutes=minutes), "info")
    else:
        flash("Please sign in to continue.", "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def expired_form() -> Response:
    """A form sent after the session expired (its CSRF token is stale, or the person was signed
    out meanwhile): keep what was typed, and bring the person back to the form to send it
    again, through the sign-in page when they need to sign in."""

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


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, signed with HMAC-SHA256 instead of Flask's SHA-1."""

    digest_method = staticmethod(hashlib.sha256)


def init_login(app: Flask) -> None:
    app.session_interface = SignedCookieSessions()
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.session_protection = "basic"
