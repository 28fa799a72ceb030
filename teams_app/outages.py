"""Telling an outage from a bug: a database that is down, full or read-only, or a Redis that a
page cannot do without, answers 503 with ``Retry-After`` (an HTML page that touches no database,
or the API's ``unavailable`` error); everything else that escapes a view is a real bug, a 500.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, current_app, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from teams_app.extensions import db

# PostgreSQL SQLSTATE classes and codes that mean "the database cannot serve now", not "the
# query is wrong": connection exceptions, insufficient resources (disk full, out of memory,
# too many connections), operator intervention (shutting down, starting up), system errors,
# and a read-only transaction (a standby, or default_transaction_read_only).
PG_OUTAGE_CLASSES = ("08", "53", "57", "58")
PG_OUTAGE_CODES = ("25006",)
# SQLite reports these conditions only in its message.
SQLITE_OUTAGE_WORDS = (
    "database or disk is full",
    "readonly database",
    "database is locked",
    "unable to open database file",
    "disk i/o error",
)


def _sqlstate(error: DBAPIError) -> str | None:
    orig = error.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def database_outage(error: BaseException) -> bool:
    """True when ``error`` says the database is unavailable (down, full, read-only)."""
    if isinstance(error, PoolTimeout):
        return True  # every pooled connection is busy: overloaded, not broken
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    state = _sqlstate(error)
    if state:
        return state[:2] in PG_OUTAGE_CLASSES or state in PG_OUTAGE_CODES
    message = str(error.orig).lower()
    if any(words in message for words in SQLITE_OUTAGE_WORDS):
        return True
    # A driver-level failure with no SQLSTATE: the connection could not be made or was lost.
    return type(error.orig).__name__ in ("OperationalError", "InterfaceError") and (
        "sqlite" not in type(error.orig).__module__
    )


UNAVAILABLE_TEXT = {
    "database": "The database is not answering just now, so this page cannot be shown and "
    "nothing you send can be saved. Nothing you already saved is lost. Please try again "
    "shortly.",
    "redis": "A background service is not answering just now. Please try again shortly; "
    "nothing you already saved is lost.",
}


def unavailable_response(kind: str) -> Any:
    """503 with Retry-After: the API's error JSON, or a page rendered without any database
    lookup (no context processors, and a template that does not extend base.html)."""
    from teams_app.errors import json_error, wants_json  # noqa: PLC0415 - cycle: errors imports outages

    retry_after = str(current_app.config.get("RETRY_AFTER_SECONDS", 5))
    text = UNAVAILABLE_TEXT[kind]
    if wants_json():
        return json_error(503, text, code="unavailable", headers={"Retry-After": retry_after})
    # Straight from the Jinja environment: render_template would run the context processors,
    # and Flask-Login's loads the current user from the database.
    template = current_app.jinja_env.get_template("errors/unavailable.html")
    page = template.render(text=text, retry_after=retry_after, request=request)
    return page, 503, {"Retry-After": retry_after, "Cache-Control": "no-store"}


def forget_failed_transaction() -> None:
    """Roll back; if the connection is gone the pool replaces it on the next checkout."""

    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()


def handle_database_error(error: SQLAlchemyError) -> Any:
    if not database_outage(error):
        raise error  # a real bug: Flask logs it and answers 500
    forget_failed_transaction()
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, type(error).__name__
    )
    return unavailable_response("database")


def handle_redis_error(error: Exception) -> Any:
    current_app.logger.warning(
        "Redis unavailable on %s %s: %s", request.method, request.path, type(error).__name__
    )
    return unavailable_response("redis")


def register(app: Flask) -> None:
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(PoolTimeout, handle_database_error)
    app.register_error_handler(RedisConnectionError, handle_redis_error)
    app.register_error_handler(RedisTimeoutError, handle_redis_error)
