"""Private instances of everything the fault tests break: PostgreSQL 15 (initdb/pg_ctl in a temp
folder, run as the postgres user), redis-server, an aiosmtpd listener, nginx, and the app's own
processes (gunicorn, RQ worker, scheduler). Each is started on a free port and stopped by the pid
it was started with; the machine's shared services are never touched."""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
TEST_SECRET = "fault-test-secret-key-that-is-long-enough-0123456789"
# The "Resend…" link on the operations page (a GET to a confirmation page).
RESEND_LINK = re.compile(r"/admin/operations/outbox/\d+/resend")


FIGURES = ROOT / "test-artifacts" / "fault-figures.txt"


def record_figure(test: str, text: str) -> None:
    """Measured figures, one line each, for the report (test-artifacts/fault-figures.txt)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with open(FIGURES, "a") as out:
        out.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {test}: {text}\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition: Callable[[], Any], seconds: float, what: str, every: float = 0.1) -> Any:
    """Poll ``condition`` until it is truthy; fail saying ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(every)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- PostgreSQL --------------------------------------------------------------------------------


class PrivatePostgres:
    """A throwaway PostgreSQL 15 cluster owned by the postgres user (we are root)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mt-faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        postgres = pwd.getpwnam("postgres")
        os.chown(self.dir, postgres.pw_uid, postgres.pw_gid)
        self._as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
            + ["--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]
        )

    def _as_postgres(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=check,
            capture_output=True,
            text=True,
            cwd=self.dir,
        )

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
            "-c max_connections=80"
        )
        self._as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options]
            + ["-l", str(self.dir / "log"), "-w", "-t", "60", "start"]
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` disconnects clients cleanly; ``immediate`` is as abrupt as a crash."""
        self._as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"], check=False
        )

    def running(self) -> bool:
        done = self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"], False)
        return done.returncode == 0

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Redis -------------------------------------------------------------------------------------


class PrivateRedis:
    """redis-server on a free port, without persistence (as the issue's restart test needs)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mt-faults-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.dir / "log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), 10, "redis-server to listen")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- SMTP --------------------------------------------------------------------------------------


class Inbox:
    """What the private SMTP listener received. ``refuse`` answers the next N messages with a
    temporary failure; ``delay`` holds each message that long before accepting it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0
        self.delay = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse > 0:
            self.refuse -= 1
            return "451 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]).lower() == address.lower()]

    def ids_by_recipient(self, prefix: str = "") -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for m in self.messages:
            if str(m["Subject"]).startswith(prefix):
                out.setdefault(str(m["To"]).lower(), set()).add(str(m["Message-ID"]))
        return out


class SmtpSink:
    """An aiosmtpd listener that can be taken down and brought back on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- The app's processes -----------------------------------------------------------------------


def app_env(database_url: str, redis_url: str, smtp_port: int, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "MAIL_", "PYTEST"))
    }
    env.update(
        {
            "APP_ENV": "development",  # real error handling (not TESTING), plain-http cookies
            "SECRET_KEY": TEST_SECRET,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BASE_URL": "http://127.0.0.1",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "RATELIMIT_ENABLED": "0",
            "LOG_LEVEL": "INFO",
            "OUTBOX_SWEEP_GRACE_SECONDS": "3",
            "MAIL_RETRY_INTERVALS": "1,1,1",
        }
    )
    env.update(extra)
    return env


class Process:
    """A child in its own session, logging to a file; stopped by its pid (and its group)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
        self.process = subprocess.Popen(
            self.args,
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this test started
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def gunicorn(env: dict[str, str], port: int, logs: Path, name: str = "web", workers: int = 3):
    args = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    args += ["--preload", "--graceful-timeout", "20", "--timeout", "30", "wsgi:app"]
    process = Process(name, args, env, logs).start()
    wait_until(lambda: ready(port) or not process.alive(), 60, f"{name} to answer /healthz")
    assert process.alive(), process.log()[-3000:]
    return process


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def worker(env: dict[str, str], logs: Path, name: str = "worker") -> Process:
    args = [str(BIN / "rq"), "worker", "--with-scheduler", "-w", "jobs.worker.AppWorker"]
    args += ["-u", env["REDIS_URL"], "mail", "default"]
    return Process(name, args, env, logs).start()


def scheduler(env: dict[str, str], logs: Path) -> Process:
    args = [sys.executable, "-m", "jobs.scheduler", "-u", env["REDIS_URL"]]
    return Process("scheduler", args, env, logs).start()


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (an RQ work horse lives in its own process group)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found.append(int(entry.name))
    return found


# --- nginx -------------------------------------------------------------------------------------

NGINX_CONF = """
worker_processes 1;
user root root;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream mission_teams {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://mission_teams;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_next_upstream error timeout http_502;
      proxy_connect_timeout 2s;
    }}
  }}
}}
"""


class Nginx:
    """Debian's nginx in the foreground with our own config; ``set_upstreams`` rewrites the
    upstream list and reloads (SIGHUP to the master we started)."""

    def __init__(self, logs: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mt-faults-nginx-"))
        self.port = free_port()
        self.logs = logs
        self.process: Process | None = None

    def _write(self, upstreams: dict[int, bool]) -> None:
        servers = "\n".join(
            f"    server 127.0.0.1:{port}{'' if up else ' down'};" for port, up in upstreams.items()
        )
        (self.dir / "nginx.conf").write_text(
            NGINX_CONF.format(dir=self.dir, port=self.port, servers=servers)
        )

    def start(self, upstreams: dict[int, bool]) -> None:
        self._write(upstreams)
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        args = [
            binary,
            "-p",
            str(self.dir),
            "-c",
            str(self.dir / "nginx.conf"),
            "-g",
            "daemon off;",
        ]
        self.process = Process("nginx", args, dict(os.environ), self.logs).start()
        wait_until(lambda: port_open(self.port), 10, "nginx to listen")

    def set_upstreams(self, upstreams: dict[int, bool]) -> None:
        assert self.process is not None
        self._write(upstreams)
        self.process.signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
