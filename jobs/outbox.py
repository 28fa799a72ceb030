"""The outbox's jobs: ``run`` executes one outbox row's job once; ``sweep`` and ``prune`` are the
cron's recovery and housekeeping ticks (``jobs/cron.py``)."""

from __future__ import annotations

import logging
from typing import Any

from rq import get_current_job
from rq.utils import import_attribute

from teams_app import outbox
from teams_app.mail import stable_message_ids

log = logging.getLogger(__name__)


def run(outbox_id: int) -> str:
    """Claim the row, run its job, mark it done. A second push of the same row (a sweep that
    raced a slow worker, Redis handing the job out twice) finds the row claimed or done and does
    nothing. A failure raises, so RQ retries; the last try leaves the row failed."""
    claimed = outbox.claim(outbox_id)
    if claimed is None:
        return "duplicate"
    row, token = claimed
    func, args, kwargs, key = row.func, list(row.args), dict(row.kwargs), row.key
    if not func.startswith("jobs."):
        outbox.fail(outbox_id, token, ValueError(f"not a job: {func}"), last_try=True)
        return "refused"
    job = get_current_job()
    last_try = job is None or not job.retries_left
    try:
        target: Any = import_attribute(func)
        # Mail sent by this job gets Message-IDs derived from the row's key, so a repeat after
        # a crash is recognisably the same message.
        with stable_message_ids(key):
            result = target(*args, **kwargs)
    except Exception as exc:
        outbox.fail(outbox_id, token, exc, last_try=last_try)
        raise
    if not outbox.finish(outbox_id, token, result):
        log.warning("outbox %s finished after its lease ran out; another run may repeat it", key)
    return f"done: {result}"


def sweep() -> dict[str, int]:
    """Cron: push outbox rows that Redis does not hold (see ``teams_app.outbox.sweep``)."""
    return outbox.sweep()


def prune() -> dict[str, int]:
    """Cron: delete old done rows and sent notice ledger rows."""
    return outbox.prune()
