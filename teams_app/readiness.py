"""What ``/readyz`` checks: the database accepts a write (a heartbeat row, committed: a rolled-back
write would not notice a full SQLite disk or a full PostgreSQL WAL), its disk has room, Redis
answers, and the instance is not draining. Statuses are words, never exception names: the
details go to the log."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from teams_app.extensions import db
from teams_app.models import Heartbeat, utcnow
from teams_app.outages import forget_failed_transaction
from teams_app.queue import redis_ok


@dataclass
class Check:
    ok: bool
    status: str

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "status": self.status}


def _sqlite_free_bytes() -> int | None:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    folder = Path(url.database).resolve().parent
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def database_accepts_writes() -> Check:
    try:
        now = utcnow()
        result = db.session.execute(
            update(Heartbeat).where(Heartbeat.name == "readyz").values(beat_at=now)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            db.session.add(Heartbeat(name="readyz", beat_at=now))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another instance wrote the first heartbeat at the same moment
    except SQLAlchemyError as exc:
        forget_failed_transaction()
        current_app.logger.warning("readyz: the database refused a write: %s", exc)
        return Check(False, "unavailable")
    free = _sqlite_free_bytes()
    if free is not None and free < current_app.config["DISK_MIN_FREE_BYTES"]:
        current_app.logger.warning("readyz: the database's disk has %d bytes free", free)
        return Check(False, "disk full")
    return Check(True, "ok")


def redis_answers() -> Check:
    ok, detail = redis_ok()
    if not ok:
        current_app.logger.warning("readyz: Redis does not answer: %s", detail)
    return Check(ok, "ok" if ok else "unavailable")


def draining() -> bool:
    path = current_app.config.get("DRAIN_FILE") or ""
    return bool(path) and Path(path).exists()


def readiness() -> tuple[dict[str, object], bool]:
    database, redis = database_accepts_writes(), redis_answers()
    ready = database.ok and redis.ok and not draining()
    status = "ready" if ready else ("draining" if draining() else "unavailable")
    return {"status": status, "database": database.as_dict(), "redis": redis.as_dict()}, ready
