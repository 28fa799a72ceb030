"""Housekeeping that the cron scheduler runs."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from teams_app import audit
from teams_app.admin.operations import HEARTBEAT_KEY
from teams_app.queue import redis_connection


def heartbeat() -> str:
    """Record that the scheduler and a worker are alive; the operations page shows it."""
    stamp = datetime.now(UTC).isoformat()
    redis_connection().set(HEARTBEAT_KEY, stamp, ex=3600)
    return stamp


def prune_audit_log() -> int:
    """Delete security events older than AUDIT_RETENTION_DAYS (400 by default); safe to run
    twice. The JSON log lines shipped elsewhere keep their own retention."""
    return audit.prune(current_app.config["AUDIT_RETENTION_DAYS"])
