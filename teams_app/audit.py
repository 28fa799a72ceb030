"""The security audit log: ``record(event, actor=..., object=..., **detail)``.

Each event becomes one JSON line on the ``teams_app.audit`` logger (JSON escapes newlines and
control characters, so user input can never start a forged line) and one ``audit_events`` row
that admins read and filter on ``/admin/audit``. The row is written at once in a transaction
of its own, outside the caller's unit of work: a refused or failed request is still recorded,
and a failure to record is logged, never raised. Callers record after their own commit (or
before any write), so on SQLite the audit write never waits on the caller's lock.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import delete, event
from sqlalchemy.orm import Session

from teams_app import request_id
from teams_app.extensions import db
from teams_app.models import AuditEvent, User, utcnow

log = logging.getLogger("teams_app.audit")

# Every event the app records, with how the admin page names it.
EVENTS: dict[str, str] = {
    "auth.sign_in": "Signed in",
    "auth.sign_in_failed": "Sign-in refused",
    "auth.locked_out": "Locked out after repeated failures",
    "auth.sign_out": "Signed out everywhere",
    "auth.session_expired": "Session ended by its time limit",
    "auth.session_rejected": "Ended session or cookie presented",
    "auth.token_failed": "API token refused",
    "auth.reset_requested": "Password reset asked for",
    "auth.link_refused": "Reset or invitation link refused",
    "password.changed": "Password changed",
    "password.change_failed": "Password change refused (wrong current password)",
    "password.reset": "Password set from a reset link",
    "password.set": "Password set from an invitation or sign-up link",
    "email.change_requested": "Email change asked for",
    "email.changed": "Email changed",
    "user.invited": "Person invited",
    "user.role_changed": "Role changed",
    "user.deactivated": "Account deactivated",
    "user.reactivated": "Account reactivated",
    "user.sessions_ended": "Sessions ended by an admin",
    "token.created": "API token created",
    "token.revoked": "API token revoked",
    "access.denied": "Access denied",
    "request.rejected": "Request refused by an input or origin check",
    "content.sanitised": "Unsafe markup removed from text",
    "csv.imported": "CSV imported",
    "csv.exported": "CSV exported",
    "outbox.resent": "Failed job resent",
    "sso.signed_in": "Signed in with single sign-on",
    "sso.sign_in_refused": "Single sign-on refused",
    "sso.account_created": "Account created by single sign-on",
    "sso.identity_linked": "Work account linked",
    "sso.identity_unlinked": "Work account unlinked",
    "sso.role_changed": "Role changed by the provider's groups",
    "sso.sso_only_changed": "SSO only switched on or off",
    "sso.password_refused": "Password sign-in refused (SSO only)",
}
# Events that say something was refused: logged as warnings.
WARNINGS = frozenset(
    {
        "auth.sign_in_failed",
        "auth.locked_out",
        "auth.session_rejected",
        "auth.token_failed",
        "auth.link_refused",
        "password.change_failed",
        "access.denied",
        "request.rejected",
        "content.sanitised",
        "sso.sign_in_refused",
        "sso.password_refused",
    }
)
_CURRENT = object()  # "the person making this request"
MAX_DETAIL = 300  # characters per detail value: enough to investigate, not a way to flood


def record(event: str, *, actor: Any = _CURRENT, object: Any = None, **detail: Any) -> None:
    """Record a security event. ``actor`` defaults to whoever is signed in (session or API
    token); pass ``None`` for nobody. ``object`` is a model instance (its class and id are
    kept) or a ``(type, id)`` pair. ``detail`` holds small JSON-safe facts (never secrets)."""
    row = _row(event, _current_actor() if actor is _CURRENT else actor, object, detail)
    _log(row)
    _store([row])


def record_on_commit(
    event: str, *, actor: Any = _CURRENT, object: Any = None, **detail: Any
) -> None:
    """``record`` for a unit of work still in progress: the event is written once the session
    commits (so an object created in it has its id, and SQLite's write lock is free), and
    forgotten if the transaction rolls back (what it describes never happened)."""
    _row(event, None, None, {})  # an unknown event fails here, in the caller, not at commit
    who = _current_actor() if actor is _CURRENT else actor
    db.session().info.setdefault(_PENDING, []).append((event, who, object, detail))


def _row(event: str, who: Any, object: Any, detail: dict[str, Any]) -> dict[str, Any]:
    if event not in EVENTS:
        raise KeyError(f"unknown audit event {event!r}: add it to audit.EVENTS")
    object_type, object_id = _object_ref(object)
    return {
        "at": utcnow(),
        "event": event,
        "actor_id": who.id if isinstance(who, User) else None,
        "actor_label": (who.email if isinstance(who, User) else "anonymous")[:254],
        "object_type": object_type,
        "object_id": object_id,
        "ip": client_address(),
        "request_id": request_id.current(),
        "detail": {str(k): _safe(v) for k, v in detail.items()},
    }


_PENDING = "audit_pending"
_READY = "audit_ready"


def _before_commit(session: Session) -> None:
    """Turn pending events into rows while the session can still read ids and names."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()
        rows = [_row(event, who, obj, detail) for event, who, obj, detail in pending]
        session.info.setdefault(_READY, []).extend(rows)


def _after_commit(session: Session) -> None:
    rows = session.info.pop(_READY, None)
    if rows:
        for row in rows:
            _log(row)
        _store(rows)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        session.info.pop(_READY, None)


def init_app(app: Flask) -> None:
    """Hook the session events once per process (create_app may run many times in tests)."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)


def client_address() -> str | None:
    """The client's address as rate limits see it (ProxyFix applied behind trusted proxies)."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


def _current_actor() -> User | None:
    if not has_request_context():
        return None
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user

    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _object_ref(obj: Any) -> tuple[str | None, int | None]:
    if obj is None:
        return None, None
    if isinstance(obj, tuple):
        kind, ident = obj
        return str(kind)[:40], int(ident) if ident is not None else None
    return type(obj).__name__.lower()[:40], getattr(obj, "id", None)


def _safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_safe(v) for v in list(value)[:20]]
    return str(value)[:MAX_DETAIL]


def _log(row: dict[str, Any]) -> None:
    line = {
        "at": row["at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "event": row["event"],
        "actor_id": row["actor_id"],
        "actor": row["actor_label"],
        "object": f"{row['object_type']}:{row['object_id']}" if row["object_type"] else None,
        "ip": row["ip"],
        "request_id": row["request_id"],
        **row["detail"],
    }
    level = logging.WARNING if row["event"] in WARNINGS else logging.INFO
    log.log(level, json.dumps(line, ensure_ascii=True, sort_keys=False, default=str))


def _store(rows: list[dict[str, Any]]) -> None:
    """Insert in a transaction of its own; a failure is logged, never raised to the caller."""
    try:
        with db.engine.begin() as conn:
            conn.execute(AuditEvent.__table__.insert(), rows)
    except Exception:  # the log line is already out; the page must still answer
        log.exception("could not store %d audit event(s)", len(rows))


def prune(older_than_days: int) -> int:
    """Delete events older than the retention period; returns how many went."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = db.session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
