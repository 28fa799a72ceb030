"""make run's supervisor starts a child again when it exits, with a growing pause."""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from pathlib import Path

from teams_app.supervisor import FIRST_DELAY, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def wait_for(condition, supervisor: Supervisor, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        supervisor.check()
        time.sleep(0.05)


def test_a_child_that_is_killed_is_started_again(tmp_path: Path):
    out = io.StringIO()
    supervisor = Supervisor(dict(os.environ), tmp_path, out=out)
    worker = supervisor.add("worker", SLEEPER)
    web = supervisor.add("web server", SLEEPER)
    first = worker.pid
    try:
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: worker.pid != first, supervisor, seconds=FIRST_DELAY + 10)
        assert worker.process.poll() is None and worker.restarts == 1
        assert web.restarts == 0 and web.process.poll() is None
        assert "the worker exited with code -9" in out.getvalue()
    finally:
        supervisor.stop(grace=0)
    assert all(c.process.poll() is not None for c in supervisor.children)


def test_a_child_that_keeps_failing_waits_longer_each_time(tmp_path: Path):
    clock = [1000.0]
    supervisor = Supervisor(dict(os.environ), tmp_path, out=io.StringIO(), clock=lambda: clock[0])
    child = supervisor.add("scheduler", [sys.executable, "-c", "raise SystemExit(3)"])
    pauses = []
    for _ in range(4):
        child.process.wait(timeout=10)
        supervisor.check()  # notices the exit
        pauses.append(child.restart_at - clock[0])
        clock[0] = child.restart_at
        supervisor.check()  # starts it again
    assert pauses == [1, 2, 4, 8]
    supervisor.stop(grace=0)
