"""Housekeeping that the cron scheduler runs."""

from __future__ import annotations

from datetime import UTC, datetime

from teams_app.admin.operations import HEARTBEAT_KEY
from teams_app.queue import redis_connection


def heartbeat() -> str:
    """Record that the scheduler and a worker are alive; the operations page shows it."""
    stamp = datetime.now(UTC).isoformat()
    redis_connection().set(HEARTBEAT_KEY, stamp, ex=3600)
    return stamp
