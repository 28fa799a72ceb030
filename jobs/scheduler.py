"""``python -m jobs.scheduler [-u REDIS_URL] [CONFIG]``: the cron scheduler (exactly one runs).

RQ's ``rq cron`` exits when Redis goes away; this runs the same schedule (``jobs/cron.py``) with
``ReconnectingCronScheduler``, which waits for Redis and carries on.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from redis import Redis

from jobs.resilience import ReconnectingCronScheduler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.scheduler", description=__doc__)
    parser.add_argument("config", nargs="?", default="jobs/cron.py", help="cron config file")
    parser.add_argument("-u", "--url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("-l", "--logging-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    options = parser.parse_args(argv)
    if not options.url:
        parser.error("give the Redis URL with -u or REDIS_URL")
    logging.basicConfig(
        level=options.logging_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    connection = Redis.from_url(options.url, socket_connect_timeout=2, socket_timeout=5)
    scheduler = ReconnectingCronScheduler(
        connection=connection, logging_level=options.logging_level
    )
    scheduler.load_config_from_file(options.config)
    scheduler.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
