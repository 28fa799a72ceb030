"""The worker class: builds the Flask app once and runs every job inside its app context.

Used by ``rq worker -w jobs.worker.AppWorker`` (see the Makefile and Procfile) and by the tests,
which pass their own app. Workers outlive Redis outages (``jobs.resilience``) and sweep the
outbox when they start and whenever Redis comes back.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker

from jobs.resilience import ReconnectingWorkerMixin


class _AppContextMixin:
    app: Flask | None = None
    forks = False  # whether jobs run in forked work horses

    def _flask_app(self) -> Flask:
        if self.app is None:
            from teams_app import create_app

            self.app = create_app()
        return self.app

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        # RQ 3 passes (job, queue, execution); RQ 2 passed (job, queue): accept either.
        with self._flask_app().app_context():
            from teams_app.extensions import db

            try:
                return bool(super().perform_job(*args, **kwargs))  # type: ignore[misc]
            finally:
                db.session.remove()

    def on_redis_ready(self) -> None:
        """Push outbox jobs that Redis does not hold (pushed while it was down, or lost)."""
        with self._flask_app().app_context():
            from teams_app import outbox
            from teams_app.extensions import db

            try:
                outbox.sweep()
            finally:
                db.session.remove()
                if self.forks:  # work horses must not inherit this process's connections
                    for engine in db.engines.values():
                        engine.dispose()


class AppWorker(ReconnectingWorkerMixin, _AppContextMixin, Worker):
    """Forking worker for production: each job runs in a fresh work horse."""

    forks = True

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app


class AppSimpleWorker(ReconnectingWorkerMixin, _AppContextMixin, SimpleWorker):
    """Same, without forking: for tests and for platforms without fork."""

    def __init__(self, *args: Any, app: Flask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app
