"""Short-lived figures in Redis: the portfolio's aggregates and the barrier register's counts.

Each cached value lives under a key made of its namespace, the namespace's *version* and the
filter it was computed for, for ``CACHE_TTL_SECONDS`` (60 by default; 0 turns caching off).
Every commit that wrote to a table a namespace reads (any ORM flush, or an insert, update or
delete run through the session) bumps that namespace's version once the commit succeeds, so the
next request reads fresh figures under a new key and the old ones simply expire.

The figures cached here are the same for everyone allowed to see the page (leadership for the
portfolio, every signed-in person for the register's counts), so keys hold no user: the page's
permission check runs before the cache is asked. A figure that depends on who asks must put
the person (or role) in its key.

Redis is optional here: when it does not answer, figures are computed from the database as if
nothing were cached, a failed version bump is retried at this process's next contact, and Redis
is left alone for a few seconds so a down Redis costs no page a timeout per lookup.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from redis.exceptions import RedisError
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from teams_app.queue import redis_connection

log = logging.getLogger(__name__)

T = TypeVar("T")

_STALE_KEY = "mission_teams_stale_caches"
RETRY_AFTER_FAILURE = 5.0  # seconds without Redis after it failed once

# Which tables each namespace's figures read. A write to any of them makes it stale.
NAMESPACE_TABLES: dict[str, frozenset[str]] = {
    "portfolio": frozenset(
        {
            "initiatives",
            "stage_changes",
            "status_updates",
            "barriers",
            "actions",
            "teams",
            "stages",
            "satisfaction_results",
            "departments",
        }
    ),
    "barriers": frozenset({"barriers", "teams", "departments"}),
}
# People's rows change on every sign-in; only these columns appear in cached figures
# (sponsors' and actors' names, the owner's department filter).
USER_COLUMNS = ("name", "department_id")


def _state(app: Flask) -> dict[str, Any]:
    return app.extensions.setdefault("figure_cache", {"down_until": 0.0, "pending": set()})


def _redis(app: Flask) -> Any | None:
    """The app's Redis client, or None while Redis is resting after a failure."""

    if time.monotonic() < _state(app)["down_until"]:
        return None
    return redis_connection(app)


def _failed(app: Flask, exc: BaseException) -> None:
    state = _state(app)
    if time.monotonic() >= state["down_until"]:
        log.warning(
            "figure cache: Redis unavailable (%s); computing without it", type(exc).__name__
        )
    state["down_until"] = time.monotonic() + RETRY_AFTER_FAILURE


def _prefix(app: Flask, namespace: str) -> str:
    return f"{app.config['CACHE_KEY_PREFIX']}:{namespace}"


def _flush_pending(app: Flask, conn: Any) -> None:
    pending: set[str] = _state(app)["pending"]
    while pending:
        namespace = next(iter(pending))
        conn.incr(f"{_prefix(app, namespace)}:version")
        pending.discard(namespace)


def bump(*namespaces: str, app: Flask | None = None) -> None:
    """Make every figure cached in ``namespaces`` stale (never raises)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    _state(app)["pending"].update(namespaces)
    conn = _redis(app)
    if conn is None:
        return
    try:
        _flush_pending(app, conn)
    except (RedisError, OSError) as exc:
        _failed(app, exc)


def remember(
    namespace: str,
    name: str,
    key: Mapping[str, Any],
    compute: Callable[[], T],
    dump: Callable[[T], Any],
    load: Callable[[Any], T],
) -> T:
    """``compute()``'s value for ``key``, from Redis when fresh. ``dump`` turns it into JSON
    values and ``load`` back; both must round-trip exactly what the page shows."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    ttl = int(app.config.get("CACHE_TTL_SECONDS", 0))
    conn = _redis(app) if ttl > 0 else None
    if conn is None:
        return compute()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    try:
        _flush_pending(app, conn)
        version = int(conn.get(f"{_prefix(app, namespace)}:version") or 0)
        full_key = f"{_prefix(app, namespace)}:v{version}:{name}:{digest[:32]}"
        raw = conn.get(full_key)
    except (RedisError, OSError) as exc:
        _failed(app, exc)
        return compute()
    if raw is not None:
        try:
            return load(json.loads(raw))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # Written by another release (a figure's fields changed): recompute and overwrite,
            # rather than fail every request until the value expires.
            log.warning("figure cache: %s:%s no longer loads (%s)", namespace, name, exc)
    value = compute()
    try:
        conn.set(full_key, json.dumps(dump(value)), ex=ttl)
    except (RedisError, OSError) as exc:
        _failed(app, exc)
    return value


# --- Noticing writes ----------------------------------------------------------------------------


def _namespaces_of(table: str) -> set[str]:
    return {ns for ns, tables in NAMESPACE_TABLES.items() if table in tables}


def _mark(session: Session, namespaces: set[str]) -> None:
    if namespaces:
        session.info.setdefault(_STALE_KEY, set()).update(namespaces)


def _user_changed(obj: Any) -> bool:
    state = inspect(obj)
    return any(state.attrs[c].history.has_changes() for c in USER_COLUMNS)


def _after_flush(session: Session, _context: Any) -> None:
    found: set[str] = set()
    changed = [o for o in session.dirty if session.is_modified(o)]
    for obj in (*session.new, *changed, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table == "users":
            # A new person is in no figure yet; a renamed or moved one may be.
            if obj in session.deleted or (obj not in session.new and _user_changed(obj)):
                found |= set(NAMESPACE_TABLES)
        elif table is not None:
            found |= _namespaces_of(table)
    _mark(session, found)


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk writes through the session (``session.execute(insert(...))``) skip the flush."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == "users":
        _mark(state.session, set(NAMESPACE_TABLES))
    elif name:
        _mark(state.session, _namespaces_of(name))


def _after_commit(session: Session) -> None:
    # Releasing a savepoint fires after_commit too; its writes are not committed until the
    # outermost transaction is, and may still be rolled back with it.
    if session.in_nested_transaction():
        return
    stale = session.info.pop(_STALE_KEY, None)
    if stale and has_app_context():
        bump(*stale)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    # A rolled-back savepoint may leave the outer writes to commit: keep the marks then.
    if not previous_transaction.nested:
        session.info.pop(_STALE_KEY, None)


def init_app(app: Flask) -> None:
    """Settings, and the session hooks once per process (create_app runs many times in tests)."""
    app.config.setdefault("CACHE_TTL_SECONDS", 60)
    app.config.setdefault("CACHE_KEY_PREFIX", "mission_teams:figures")
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
