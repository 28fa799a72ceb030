"""RQ cron schedule: ``rq cron jobs/cron.py -u $REDIS_URL`` (``make scheduler``).

The scheduler only enqueues; ordinary workers run the jobs in the app context.
"""

from rq import cron

from jobs.digests import tick
from jobs.maintenance import heartbeat

cron.register(heartbeat, queue_name="default", interval=60, name="heartbeat")
# Every five minutes: who is due a digest (a missed tick is caught up by the next one).
cron.register(tick, queue_name="default", interval=300, name="digest-tick")
