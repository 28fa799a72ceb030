"""What the page benchmark runs against: its own databases, a private Redis, the production
gunicorn command, and a session signed in through the real sign-in form."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

SECRET_KEY = "bench-secret-key-bench-secret-key-0123456789"
LOCAL_POSTGRES = "postgresql://root@127.0.0.1:5432/postgres"
# The Procfile's web command, bound to loopback.
# Without a control socket: each gunicorn would otherwise claim the same ~/.gunicorn/gunicorn.ctl.
GUNICORN = ["-w", "2", "--preload", "--graceful-timeout", "30", "--no-control-socket"]
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Databases:
    """Fresh databases for one run: on the PostgreSQL server DATABASE_URL names (else the local
    one, when it answers), dropped at the end; otherwise SQLite files under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.server = self._server()
        self.made: list[str] = []

    @staticmethod
    def _server() -> str | None:
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql")):
            return url
        if url:
            return None
        try:
            psycopg.connect(LOCAL_POSTGRES, connect_timeout=2).close()
        except psycopg.Error:
            return None
        return LOCAL_POSTGRES

    @property
    def backend(self) -> str:
        if self.server is None:
            return "SQLite (no PostgreSQL: set DATABASE_URL to a server to use one)"
        with psycopg.connect(self._plain(self.server)) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        where = urllib.parse.urlsplit(self.server)
        return f"PostgreSQL {version[0] if version else '?'} on {where.hostname}:{where.port}"

    @staticmethod
    def _plain(url: str) -> str:
        return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)

    def create(self, label: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.folder / f'{label}.db'}"
        name = f"mt_bench_{os.getpid()}_{label}"
        with psycopg.connect(self._plain(self.server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        parts = urllib.parse.urlsplit(self._plain(self.server))
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def drop_all(self) -> None:
        if self.server is None:
            return
        with psycopg.connect(self._plain(self.server), autocommit=True) as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


class Gunicorn:
    """``gunicorn -w 2 --preload --graceful-timeout 30 <app>`` on a free loopback port."""

    def __init__(self, app: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        binary = str(Path(sys.executable).with_name("gunicorn"))
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [binary, *GUNICORN, "-b", f"127.0.0.1:{self.port}", app],
            cwd=ROOT,
            env={**os.environ, **env, "BASE_URL": self.url},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url + path, timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer on {self.url} in {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def sign_in(base_url: str, email: str, password: str) -> str:
    """Sign in through the real form (GET, CSRF token, POST) and return the Cookie header.

    Cookies are carried by hand: production cookies are Secure and ``__Host-`` prefixed, which
    a client keeps to HTTPS, while the benchmark talks plain HTTP on loopback.
    """
    opener = urllib.request.build_opener(_NoRedirect)
    jar: dict[str, str] = {}

    def keep(headers: object) -> None:
        for raw in headers.get_all("Set-Cookie") or []:  # type: ignore[attr-defined]
            for name, morsel in SimpleCookie(raw).items():
                jar[name] = morsel.value

    def header() -> str:
        return "; ".join(f"{k}={v}" for k, v in jar.items())

    with opener.open(base_url + "/auth/login", timeout=30) as page:
        keep(page.headers)
        html = page.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if token is None:
        raise RuntimeError("no csrf_token on the sign-in page")
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": password}
    ).encode()
    request = urllib.request.Request(
        base_url + "/auth/login", data=body, headers={"Cookie": header()}, method="POST"
    )
    try:
        opener.open(request, timeout=30)
        raise RuntimeError("sign-in did not redirect: wrong password or form changed")
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise RuntimeError(f"sign-in answered {answer.code}") from answer
        keep(answer.headers)
    return header()
