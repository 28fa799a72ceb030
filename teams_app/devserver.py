"""``make run``: migrate, seed the demo, and serve the web app with a worker and the scheduler.

Starts an embedded Redis unless REDIS_URL is set. Ctrl-C stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from teams_app import ROOT
from teams_app.embedded_redis import EmbeddedRedis

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

    children: list[subprocess.Popen[bytes]] = []

    def stop(grace: float) -> None:
        """Children share our terminal, so Ctrl-C already reached them: give them ``grace``
        seconds to finish their warm shutdown before a SIGTERM (a second signal makes RQ's
        cron scheduler log a traceback). Redis goes last, in its own session."""
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(c.poll() is None for c in children):
            time.sleep(0.1)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis is not None:
            redis.stop()

    try:
        print("* migrating the database and loading the demo data")
        _run([str(BIN / "flask"), "db", "upgrade"], env)
        _run([str(BIN / "flask"), "seed-demo"], env)
        url = env["REDIS_URL"]
        children.append(
            subprocess.Popen(
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
                env=env,
                cwd=ROOT,
            )
        )
        children.append(
            subprocess.Popen(
                [str(BIN / "rq"), "cron", "jobs/cron.py", "-u", url], env=env, cwd=ROOT
            )
        )
        children.append(
            subprocess.Popen(
                [str(BIN / "flask"), "run", "--host", host, "--port", port], env=env, cwd=ROOT
            )
        )
        print(
            f"\n  Mission Teams is running at {env['BASE_URL']}  (Ctrl-C stops everything)\n",
            flush=True,
        )
        signal.signal(signal.SIGTERM, _interrupt)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("* a process stopped; shutting down the rest", file=sys.stderr)
        stop(grace=0)
        return 1
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
