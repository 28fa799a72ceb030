"""``make run``: migrate, seed the demo, and serve the web app with a worker and the scheduler.

Starts an embedded Redis unless REDIS_URL is set. A child that exits is started again
(``teams_app.supervisor``). Ctrl-C stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from teams_app import ROOT
from teams_app.embedded_redis import EmbeddedRedis
from teams_app.supervisor import Supervisor

BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, check=True, env=env, cwd=ROOT)


terminated = False


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C, so the same clean-up stops every child."""
    global terminated
    terminated = True
    raise KeyboardInterrupt


def main() -> int:
    # Handle Ctrl-C even when started from a shell that ignores SIGINT in the background.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "wsgi.py")
    port = env.get("PORT", "5000")
    host = env.get("HOST", "127.0.0.1")
    env.setdefault("BASE_URL", f"http://{host}:{port}")

    redis: EmbeddedRedis | None = None
    if not env.get("REDIS_URL"):
        redis = EmbeddedRedis(ROOT / "instance")
        env["REDIS_URL"] = redis.start()
        print(f"* embedded Redis on {env['REDIS_URL']}")

    supervisor = Supervisor(env, ROOT)

    def keep_redis_up() -> None:
        if redis is not None and redis.process is not None and redis.process.poll() is not None:
            print("* the embedded Redis exited; starting it again", file=sys.stderr)
            redis.start()

    def stop(grace: float) -> None:
        supervisor.stop(grace)
        if redis is not None:  # last, in its own session: the workers stop first
            redis.stop()

    try:
        print("* migrating the database and loading the demo data")
        _run([str(BIN / "flask"), "db", "upgrade"], env)
        _run([str(BIN / "flask"), "seed-demo"], env)
        url = env["REDIS_URL"]
        supervisor.add(
            "worker",
            [
                str(BIN / "rq"),
                "worker",
                "--with-scheduler",
                "-w",
                "jobs.worker.AppWorker",
                "-u",
                url,
                "mail",
                "default",
            ],
        )
        supervisor.add("scheduler", [sys.executable, "-m", "jobs.scheduler", "-u", url])
        supervisor.add("web server", [str(BIN / "flask"), "run", "--host", host, "--port", port])
        print(
            f"\n  Mission Teams is running at {env['BASE_URL']}  (Ctrl-C stops everything)\n",
            flush=True,
        )
        signal.signal(signal.SIGTERM, _interrupt)
        supervisor.run(also=keep_redis_up)  # restarts what exits, until Ctrl-C or SIGTERM
        return 0
    except subprocess.CalledProcessError as exc:
        print(
            f"* setup failed: {' '.join(map(str, exc.cmd))} exited {exc.returncode}",
            file=sys.stderr,
        )
        stop(grace=0)
        return exc.returncode
    except KeyboardInterrupt:
        print("\n* stopping…")
        stop(grace=0 if terminated else 8)
        return 0


if __name__ == "__main__":
    sys.exit(main())
