"""RQ cron schedule: ``python -m jobs.scheduler`` (``make scheduler``) runs it, reconnecting to
Redis after an outage; ``rq cron jobs/cron.py -u $REDIS_URL`` reads the same file.

The scheduler only enqueues; ordinary workers run the jobs in the app context.
"""

from rq import cron

from jobs.digests import tick
from jobs.maintenance import heartbeat, prune_audit_log
from jobs.outbox import prune, sweep

cron.register(heartbeat, queue_name="default", interval=60, name="heartbeat")
# Every five minutes: who is due a digest (a missed tick is caught up by the next one).
cron.register(tick, queue_name="default", interval=300, name="digest-tick")
# Every 30 seconds: push outbox jobs Redis does not hold (pushed while it was down, or lost).
cron.register(sweep, queue_name="default", interval=30, name="outbox-sweep")
# Hourly: forget done outbox jobs and sent notices older than OUTBOX_KEEP_DAYS.
cron.register(prune, queue_name="default", interval=3600, name="outbox-prune")
# Daily: security events past their retention period go.
cron.register(prune_audit_log, queue_name="default", interval=86400, name="prune-audit-log")
