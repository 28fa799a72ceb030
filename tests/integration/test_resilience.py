"""The scheduler rides out a Redis outage with a real process and a real redis-server; the
backoff waits and gives up only when asked to stop. (Workers under real outages: tests/faults.)"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from redis import Redis

from jobs.resilience import MAX_DELAY, wait_for_redis
from teams_app.embedded_redis import EmbeddedRedis
from tests.conftest import _free_port

CONFIG = """
from rq import cron
from jobs.maintenance import heartbeat
cron.register(heartbeat, queue_name="default", interval=1, name="heartbeat")
"""


def wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_the_scheduler_keeps_running_through_a_redis_outage(tmp_path: Path):
    redis = EmbeddedRedis(tmp_path / "redis", persist=False)
    url = redis.start()
    config = tmp_path / "cron_config.py"
    config.write_text(CONFIG)
    log = open(tmp_path / "scheduler.log", "wb")  # noqa: SIM115 - the child writes to it
    process = subprocess.Popen(
        [sys.executable, "-m", "jobs.scheduler", "-u", url, str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    client = lambda: Redis.from_url(url, socket_timeout=1)  # noqa: E731
    try:
        wait(lambda: client().llen("rq:queue:default") > 0, 20, "the first tick")
        redis.stop()
        time.sleep(1.5)  # the scheduler's ticks fail meanwhile
        assert process.poll() is None, "the scheduler must not exit while Redis is down"
        redis.start()  # an empty Redis: only a tick after the outage can fill the queue
        wait(lambda: client().llen("rq:queue:default") > 0, 20, "a tick after the outage")
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        redis.stop()
        log.close()
    text = (tmp_path / "scheduler.log").read_text()
    assert "Redis is unreachable; retrying" in text and "Redis is back" in text


def test_waiting_for_redis_backs_off_and_stops_when_asked():
    pauses: list[float] = []
    closed = Redis.from_url(f"redis://127.0.0.1:{_free_port()}/0", socket_connect_timeout=0.2)
    back = wait_for_redis(closed, "test", should_stop=lambda: len(pauses) >= 7, sleep=pauses.append)
    assert back is False
    assert pauses == [0.5, 1, 2, 4, 8, MAX_DELAY, MAX_DELAY]
