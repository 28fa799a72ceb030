"""The worker class: builds the Flask app once and runs every job inside its app context.

Used by ``rq worker -w jobs.worker.AppWorker`` (see the Makefile and Procfile) and by the tests,
which pass their own app. Workers outlive Redis outages (``jobs.resilience``) and sweep the
outbox when they start and whenever Redis comes back.

The forking worker builds the app, imports the job modules and compiles the mail templates in
its parent, before the first fork: each work horse inherits all of that and only starts a fresh
database pool (building the app in every horse cost about a second per job). RQ's job timeouts
and crash handling are untouched: a horse that dies or overruns is the parent's to report.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker

from jobs.resilience import ReconnectingWorkerMixin
from teams_app import create_app, outbox
from teams_app.extensions import db

log = logging.getLogger("jobs.worker")

# Imported and compiled in the parent so that no work horse repeats it.
JOB_MODULES = ("jobs.digests", "jobs.mail", "jobs.notify", "jobs.outbox", "jobs.maintenance")
MAIL_TEMPLATES = ("email/digest.txt", "email/digest.html")


class _AppContextMixin:
    app: Flask | None = None
    forks = False  # whether jobs run in forked work horses

    def _flask_app(self) -> Flask:
        if self.app is None:
            self.app = create_app()
        if "jobs.worker" not in self.app.extensions:
            self._warm_up(self.app)
        return self.app

    def _warm_up(self, app: Flask) -> None:
        """Everything a job would otherwise do first, once per worker, not once per job."""

        app.extensions["jobs.worker"] = {"built_in_pid": os.getpid()}
        try:
            for name in JOB_MODULES:
                importlib.import_module(name)
            for template in MAIL_TEMPLATES:
                app.jinja_env.get_template(template)
        except Exception:  # noqa: BLE001 - only a head start: each job would do it anyway
            log.exception("worker: warming up failed; jobs will load what they need")

    def work(self, *args: Any, **kwargs: Any) -> bool:
        try:
            self._flask_app()  # before the first fork, even if the start-up sweep failed
        except Exception:  # noqa: BLE001 - as before: each job then tries, and fails visibly
            log.exception("worker: building the app failed; jobs will try again")
        return bool(super().work(*args, **kwargs))  # type: ignore[misc]

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        # RQ 3 passes (job, queue, execution); RQ 2 passed (job, queue): accept either.
        app = self._flask_app()
        with app.app_context():
            if self.forks:
                # A work horse: forget the parent's pooled connections without closing them
                # (they are the parent's), and open its own.
                for engine in db.engines.values():
                    engine.dispose(close=False)
            try:
                return bool(super().perform_job(*args, **kwargs))  # type: ignore[misc]
            finally:
                db.session.remove()

    def on_redis_ready(self) -> None:
        """Push outbox jobs that Redis does not hold (pushed while it was down, or lost)."""
        with self._flask_app().app_context():
            try:
                outbox.sweep()
            finally:
                db.session.remove()
                if self.forks:  # work horses must not inherit this process's connections
                    for engine in db.engines.values():
                        engine.dispose()


class AppWorker(ReconnectingWorkerMixin, _AppContextMixin, Worker):
    """Forking worker for production: each job runs in a fresh work horse, forked from a parent
    that holds the built app."""

    forks = True

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app


class AppSimpleWorker(ReconnectingWorkerMixin, _AppContextMixin, SimpleWorker):
    """Same, without forking: for tests and for platforms without fork."""

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app
