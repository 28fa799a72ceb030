"""RQ cron schedule: ``rq cron jobs/cron.py -u $REDIS_URL`` (``make scheduler``).

The scheduler only enqueues; ordinary workers run the jobs in the app context.
"""

from rq import cron

from jobs.maintenance import heartbeat

cron.register(heartbeat, queue_name="default", interval=60, name="heartbeat")
