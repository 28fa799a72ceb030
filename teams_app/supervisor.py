"""Keeps ``make run``'s children running: a web server, worker or scheduler that exits is
started again, after a pause that grows while it keeps failing (1 s, 2 s, 4 s ... 30 s) and
starts small again once it has stayed up for a minute."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STABLE_AFTER = 60.0  # seconds up after which a crash counts as a first one again


@dataclass
class Child:
    name: str
    args: list[str]
    log: Path | None = None  # where its output goes; None: our terminal
    cwd: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    history: list[int] = field(default_factory=list)  # pids, oldest first

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


class Supervisor:
    def __init__(
        self,
        env: dict[str, str],
        cwd: Path,
        *,
        out: IO[str] = sys.stderr,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.env, self.cwd, self.out, self.clock = env, cwd, out, clock
        self.children: list[Child] = []

    def add(
        self, name: str, args: list[str], *, log: Path | None = None, cwd: Path | None = None
    ) -> Child:
        child = Child(name, args, log, cwd)
        self.children.append(child)
        self._start(child)
        return child

    def _start(self, child: Child) -> None:
        if child.log is None:
            child.process = subprocess.Popen(child.args, env=self.env, cwd=child.cwd or self.cwd)
        else:
            with child.log.open("ab") as out:
                child.process = subprocess.Popen(
                    child.args,
                    env=self.env,
                    cwd=child.cwd or self.cwd,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
        child.started_at, child.restart_at = self.clock(), None
        child.history.append(child.process.pid)

    def check(self) -> None:
        """Notice children that exited and start them again when their pause is over."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    print(
                        f"* restarting the {child.name} (restart {child.restarts})", file=self.out
                    )
                    self._start(child)
                continue
            assert child.process is not None
            code = child.process.poll()
            if code is None:
                continue
            if now - child.started_at >= STABLE_AFTER:
                child.delay = FIRST_DELAY
            print(
                f"* the {child.name} exited with code {code}; starting it again in "
                f"{child.delay:.0f} s",
                file=self.out,
                flush=True,
            )
            child.restart_at = now + child.delay
            child.delay = min(child.delay * 2, MAX_DELAY)

    def run(self, poll: float = 0.5, also: Callable[[], None] = lambda: None) -> None:
        """Watch until interrupted (Ctrl-C or SIGTERM raise KeyboardInterrupt in main);
        ``also`` runs on every round (the embedded Redis's own check)."""
        while True:
            self.check()
            also()
            time.sleep(poll)

    def stop(self, grace: float) -> None:
        """Children share our terminal, so Ctrl-C already reached them: give them ``grace``
        seconds to finish their warm shutdown, then SIGTERM, then SIGKILL after 10 s."""
        running = [c.process for c in self.children if c.process is not None]
        deadline = self.clock() + grace
        while self.clock() < deadline and any(p.poll() is None for p in running):
            time.sleep(0.1)
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
