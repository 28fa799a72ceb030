"""What the operations page shows: queue depths, failed jobs, live workers, scheduler heartbeat.

Everything is read from RQ's own registries; if Redis is down the page says so instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry

from teams_app.queue import redis_connection

HEARTBEAT_KEY = "mission-teams:scheduler-heartbeat"


@dataclass
class QueueOverview:
    redis_ok: bool
    error: str = ""
    queues: list[dict[str, Any]] = field(default_factory=list)
    workers: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    heartbeat: datetime | None = None


def queue_overview(failed_limit: int = 20) -> QueueOverview:
    conn = redis_connection()
    try:
        overview = QueueOverview(redis_ok=True)
        for name in current_app.config["RQ_QUEUES"]:
            queue = Queue(name, connection=conn)
            failed = FailedJobRegistry(queue=queue)
            overview.queues.append({"name": name, "queued": queue.count, "failed": failed.count})
            for job in failed.get_job_ids()[:failed_limit]:
                fetched = queue.fetch_job(job)
                if fetched is not None:
                    result = fetched.latest_result()
                    info = ((result.exc_string if result else "") or "").strip().splitlines()
                    overview.failed.append(
                        {
                            "id": fetched.id,
                            "queue": name,
                            "func": fetched.func_name,
                            "ended_at": fetched.ended_at,
                            "error": info[-1] if info else "",
                        }
                    )
        for worker in Worker.all(connection=conn):
            overview.workers.append(
                {
                    "name": worker.name,
                    "state": worker.get_state(),
                    "queues": ", ".join(worker.queue_names()),
                    "last_heartbeat": worker.last_heartbeat,
                }
            )
        raw = conn.get(HEARTBEAT_KEY)
        if raw:
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            overview.heartbeat = datetime.fromisoformat(text)
        return overview
    except (RedisError, OSError) as exc:
        current_app.logger.warning("operations page: Redis unreachable (%s)", exc)
        return QueueOverview(redis_ok=False, error=exc.__class__.__name__)
