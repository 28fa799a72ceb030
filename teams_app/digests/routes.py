"""Digest pages: "preview my digest" for the signed-in person, and the signed unsubscribe link
that works without signing in (GET asks, POST does: mail scanners fetch links, and RFC 8058
one-click unsubscribe POSTs)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from teams_app.digests import services
from teams_app.digests.schedule import next_due_at
from teams_app.digests.unsubscribe import stop_digests, user_for_unsubscribe
from teams_app.extensions import csrf
from teams_app.models import utcnow
from teams_app.same_site import cross_site_allowed
from teams_app.views import current_person

bp = Blueprint("digests", __name__, url_prefix="/digest")


@bp.get("/preview")
@login_required
def preview() -> str:
    me = current_person()
    now = utcnow()
    return render_template(
        "digests/preview.html",
        digest=services.preview(me, now),
        next_at=next_due_at(
            me.digest_frequency, me.digest_weekday, me.digest_hour, me.timezone, now
        ),
    )


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str) -> str:
    user = user_for_unsubscribe(token)
    if user is None:
        abort(404)
    return render_template("digests/unsubscribe.html", user=user, token=token, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # the signed token is the credential; mail clients post without a session
@cross_site_allowed  # RFC 8058 one-click: the mail provider posts it from its own site
def unsubscribe_now(token: str) -> str:
    user = user_for_unsubscribe(token)
    if user is None:
        abort(404)
    stop_digests(user)
    signed_in = current_user.is_authenticated
    return render_template(
        "digests/unsubscribe.html", user=user, token=token, done=True, signed_in=signed_in
    )
