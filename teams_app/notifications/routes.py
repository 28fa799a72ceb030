"""The inbox (with the header's unread count), marking read, the Following page, follow and
unfollow, and per-kind preferences."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from teams_app.conversations.targets import load
from teams_app.errors import ServiceError
from teams_app.models import Delivery, NotificationKind
from teams_app.notifications import services
from teams_app.pagination import clamp, paginate
from teams_app.views import current_person, flash_outcome, safe_local_url, signed_in_only

bp = Blueprint("notifications", __name__)
signed_in_only(bp)
_me = current_person


@bp.get("/inbox")
def inbox() -> str:
    me = _me()
    unread_only = request.args.get("unread") == "1"
    page, per_page = clamp(
        request.args.get("page"), request.args.get("per_page"), current_app.config["PER_PAGE"]
    )
    results = paginate(services.inbox_query(me, unread_only), page, per_page)
    return render_template("notifications/inbox.html", results=results, unread_only=unread_only)


@bp.post("/inbox/read")
def read_all() -> BaseResponse:
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    everything = request.form.get("all") == "1"
    flash_outcome(
        lambda: services.mark_read(_me(), ids, everything=everything),
        "Marked read.",
    )
    return redirect(safe_local_url(request.form.get("next"), url_for("notifications.inbox")))


@bp.post("/inbox/<int:notification_id>/open")
def open_notification(notification_id: int) -> BaseResponse:
    """Mark it read and go to what it is about (the exact comment)."""
    me = _me()
    n = services.get_notification(me, notification_id)
    url = n.url
    if n.comment_id is not None:  # the comment's permalink finds its page of the thread
        url = url_for(
            "conversations.show_comment", comment_id=n.comment_id, _anchor=f"comment-{n.comment_id}"
        )
    services.mark_read(me, [n.id])
    return redirect(safe_local_url(url, url_for("notifications.inbox")))


@bp.get("/following")
def following() -> str:
    return render_template("notifications/following.html", items=services.following(_me()))


@bp.get("/following/<target_kind>/<int:target_id>")
def go(target_kind: str, target_id: int) -> BaseResponse:
    """The page of something followed."""

    return redirect(load(target_kind, target_id, _me()).url())


def _follow_back(kind: str, ident: int) -> str:
    return safe_local_url(request.form.get("next"), url_for("notifications.following"))


@bp.post("/follow/<target_kind>/<int:target_id>")
def follow(target_kind: str, target_id: int) -> BaseResponse:
    services.follow_target(target_kind, target_id)
    flash_outcome(
        lambda: services.follow(_me(), target_kind, target_id),
        "Following: you will hear about comments and changes.",
    )
    return redirect(_follow_back(target_kind, target_id))


@bp.post("/unfollow/<target_kind>/<int:target_id>")
def unfollow(target_kind: str, target_id: int) -> BaseResponse:
    services.follow_target(target_kind, target_id)
    flash_outcome(lambda: services.unfollow(_me(), target_kind, target_id), "Unfollowed.")
    return redirect(_follow_back(target_kind, target_id))


@bp.route("/inbox/preferences", methods=["GET", "POST"])
def preferences() -> str | BaseResponse | tuple[str, int]:
    me = _me()  # CSRFProtect checks every POST, this form's included

    if request.method == "POST":
        choices = {k.value: request.form.get(k.value, "") for k in NotificationKind}
        try:
            services.set_preferences(me, choices)
        except ServiceError as exc:
            flash(exc.message, "danger")
            return render_template(
                "notifications/preferences.html",
                prefs=choices,
                kinds=list(NotificationKind),
                deliveries=list(Delivery),
            ), 422
        flash("Saved.", "success")
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html",
        prefs=services.preferences(me),
        kinds=list(NotificationKind),
        deliveries=list(Delivery),
    )


def unread_badge() -> str:
    """The header's unread count (one indexed, capped query per page; cached on ``g``)."""
    if not getattr(current_user, "is_authenticated", False):
        return ""
    if "unread_label" not in g:
        count = services.unread_count(current_user)
        g.unread_label = services.unread_label(count) if count else ""
    return str(g.unread_label)


def init_app(app: Any) -> None:
    app.jinja_env.globals["unread_badge"] = unread_badge
