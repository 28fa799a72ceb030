"""Workers and the scheduler outlive Redis outages: they wait, reconnect with backoff, log it,
and carry on when Redis returns, with nobody restarting them.

RQ's own loops give up on a Redis error (the worker "found an unhandled exception, quitting",
``rq cron`` raises out of its loop). ``ReconnectingWorkerMixin`` restarts the worker's loop
after an outage and ``ReconnectingCronScheduler`` keeps the cron loop alive. Kept apart from
``jobs.worker`` so the worker's process model can change without touching this.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

log = logging.getLogger("jobs.resilience")

FIRST_DELAY = 0.5
MAX_DELAY = 10.0
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


def redis_answers(connection: Redis) -> bool:
    try:
        return bool(connection.ping())
    except (RedisError, OSError):
        return False


def wait_for_redis(
    connection: Redis,
    who: str,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    max_delay: float = MAX_DELAY,
) -> bool:
    """Block until Redis answers a PING, backing off 0.5 s, 1 s, 2 s ... up to ``max_delay``.
    Logs the outage once at the start, every try, and its end. False if asked to stop first."""
    delay = FIRST_DELAY
    started = time.monotonic()
    while not should_stop():
        if redis_answers(connection):
            waited = time.monotonic() - started
            log.warning("%s: Redis is back after %.1f s; carrying on", who, waited)
            return True
        log.warning("%s: Redis is unreachable; retrying in %.1f s", who, delay)
        sleep(delay)
        delay = min(delay * 2, max_delay)
    return False


class ReconnectingWorkerMixin:
    """Put before RQ's ``Worker`` class. When the work loop ends without being asked to (Redis
    went away mid-loop and RQ quit), wait for Redis and start the loop again.
    The worker's ``on_redis_ready`` runs at start and after each reconnection (the outbox
    sweep)."""

    connection: Redis
    name: str
    _stop_requested: bool
    max_connection_wait_time: float = MAX_DELAY  # RQ's own dequeue backoff cap

    def _asked_to_stop(self) -> bool:
        """SIGTERM or Ctrl-C: RQ sets ``_stop_requested`` only when a job is running; when
        idle it just notes the date and leaves its loop."""
        return bool(self._stop_requested or getattr(self, "_shutdown_requested_date", None))

    def _ready(self) -> None:
        """Call the worker's ``on_redis_ready`` hook, if it has one (it may come later in the
        MRO than this mixin)."""
        hook = getattr(self, "on_redis_ready", None)
        if hook is None:
            return
        try:
            hook()
        except Exception:  # noqa: BLE001 - a failed sweep must not stop the worker
            log.exception("worker %s: start-up hook failed", self.name)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        burst = bool(kwargs.get("burst") or (args and args[0]))
        ends_by_itself = burst or any(
            kwargs.get(name) is not None for name in ("max_jobs", "max_idle_time")
        )
        self._ready()
        worked = False
        lost_redis_at: float | None = None
        pause = FIRST_DELAY
        while True:
            try:
                worked = super().work(*args, **kwargs) or worked  # type: ignore[misc]
            except OUTAGE_ERRORS as exc:  # RQ's teardown cannot reach Redis either
                log.warning("worker %s: lost Redis (%s)", self.name, type(exc).__name__)
            if self._asked_to_stop():
                return worked
            if ends_by_itself and redis_answers(self.connection):
                return worked  # a burst that emptied its queues, or a job/idle limit
            try:
                back = wait_for_redis(
                    self.connection, f"worker {self.name}", should_stop=self._asked_to_stop
                )
            except StopRequested:  # SIGTERM while waiting: RQ's handler says stop
                return worked
            if not back:
                return worked
            if lost_redis_at is None or time.monotonic() - lost_redis_at > MAX_DELAY * 6:
                pause = FIRST_DELAY  # a first failure, or the last one was long ago
            else:
                pause = min(pause * 2, MAX_DELAY)  # failing again and again: slow down
            lost_redis_at = time.monotonic()
            log.warning("worker %s: restarting its work loop in %.1f s", self.name, pause)
            time.sleep(pause)
            self._forget_registration()
            self._ready()

    def heartbeat(self, *args: Any, **kwargs: Any) -> Any:
        """RQ's idle loop rides out short outages itself (it retries its heartbeat and dequeue
        with backoff); noticing the heartbeat fail and then succeed is how we learn Redis came
        back there, to sweep the outbox and restart RQ's retry scheduler if the outage killed
        it."""
        try:
            result = super().heartbeat(*args, **kwargs)  # type: ignore[misc]
        except OUTAGE_ERRORS:
            if not getattr(self, "_redis_lost", False):
                log.warning("worker %s: Redis is unreachable; waiting for it", self.name)
            self._redis_lost = True
            raise
        if getattr(self, "_redis_lost", False):
            self._redis_lost = False
            log.warning("worker %s: Redis is back; carrying on", self.name)
            self._restart_retry_scheduler()
            self._ready()
        return result

    def _restart_retry_scheduler(self) -> None:
        scheduler = getattr(self, "scheduler", None)
        process = getattr(scheduler, "_process", None)
        if scheduler is not None and (process is None or not process.is_alive()):
            with contextlib.suppress(RedisError, OSError):
                scheduler.acquire_locks(auto_start=True)

    def _forget_registration(self) -> None:
        """RQ refuses to register a worker whose name still looks alive: mark the old run dead
        (its death could not be written while Redis was down)."""
        with contextlib.suppress(RedisError, OSError):
            self.register_death()  # type: ignore[attr-defined]


class ReconnectingCronScheduler(CronScheduler):
    """RQ's cron loop, riding out Redis outages: a job that could not be enqueued stays due and
    is enqueued once Redis is back."""

    def start(self) -> None:
        self.log.info("CronScheduler %s: starting...", self.name)
        self._install_signal_handlers()
        try:
            self._until_registered()
            while True:
                try:
                    if self.enqueue_jobs():
                        self.save()
                    self.heartbeat()
                except OUTAGE_ERRORS as exc:
                    self.log.warning("CronScheduler %s: lost Redis (%s)", self.name, exc)
                    wait_for_redis(self.connection, f"scheduler {self.name}")
                    self._until_registered()
                    continue
                sleep_time = self.calculate_sleep_interval()
                if sleep_time > 0:
                    time.sleep(sleep_time)
        except (KeyboardInterrupt, StopRequested):
            self.log.info("CronScheduler %s: stop requested", self.name)
        finally:
            with contextlib.suppress(RedisError, OSError):
                self.register_death()
            self.log.info("CronScheduler %s: shutdown complete", self.name)

    def _until_registered(self) -> None:
        while True:
            try:
                self.register_birth()
                return
            except OUTAGE_ERRORS:
                wait_for_redis(self.connection, f"scheduler {self.name}")
