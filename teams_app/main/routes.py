"""Home page, ``/healthz`` (cheap, for load balancers) and ``/readyz`` (proves writes work)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from teams_app.barriers import queries as barriers
from teams_app.extensions import csrf, db, limiter
from teams_app.initiatives.queries import owned_by
from teams_app.models import utcnow
from teams_app.permissions import can
from teams_app.queue import redis_ok
from teams_app.readiness import readiness
from teams_app.satisfaction import queries as satisfaction
from teams_app.stories.queries import featured_for_home
from teams_app.surveys import services as surveys
from teams_app.teams import queries, services

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> str | Response:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    memberships, closed_teams = queries.my_memberships(current_user)
    lead_team_ids = [m.team_id for m in memberships if m.is_lead]
    return render_template(
        "main/home.html",
        memberships=memberships,
        closed_teams=closed_teams,
        requests_waiting=queries.pending_request_counts(lead_team_ids),
        proposals=services.proposal_queue() if can(current_user, "review_proposals") else [],
        my_initiatives=owned_by(current_user),
        my_actions=barriers.my_actions(current_user, limit=5),
        you_said=barriers.you_said_we_did(current_user),
        latest_satisfaction=satisfaction.latest(),
        featured_story=featured_for_home(),
        open_surveys=surveys.open_staff_surveys(current_user),
        closes_text=surveys.closes_text,
        today=barriers.today_for(current_user),
        now=utcnow(),
    )


@bp.get("/favicon.ico")
@limiter.exempt
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links to (bookmarks, tabs, feeds)."""
    assert current_app.static_folder is not None
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> tuple[Response, int]:
    """Database and Redis status for load balancers: 200 when both answer, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
        database = {"ok": True, "status": "ok"}
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("healthz: database check failed: %r", exc)
        database = {"ok": False, "status": exc.__class__.__name__}
    r_ok, r_status = redis_ok()
    if not r_ok:
        current_app.logger.warning("healthz: redis check failed: %s", r_status)
    healthy = database["ok"] and r_ok
    redis = {"ok": r_ok, "status": r_status}
    if not can(current_user, "view_operations"):
        # Exception names tell an attacker what runs inside: only admins see them (they are in
        # the log for everyone else).
        database = {"ok": database["ok"], "status": "ok" if database["ok"] else "unavailable"}
        redis = {"ok": r_ok, "status": "ok" if r_ok else "unavailable"}
    body = {"status": "ok" if healthy else "degraded", "database": database, "redis": redis}
    return jsonify(body), 200 if healthy else 503


@bp.get("/readyz")
@limiter.exempt
@csrf.exempt
def readyz() -> tuple[Response, int]:
    """Ready to serve: the database takes a write, Redis answers, not draining; else 503."""
    body, ready = readiness()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
    return response, 200 if ready else 503
