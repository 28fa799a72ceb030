"""Trivial jobs for the worker benchmark and the worker tests: what a job costs with no work."""

from __future__ import annotations

import os

from flask import current_app


def noop() -> None:
    """Nothing: the rate of these is the worker's own ceiling."""


def where_am_i() -> dict[str, int | None]:
    """The job's process, its parent, and the process that built the app it runs in."""
    built = current_app.extensions.get("jobs.worker", {}).get("built_in_pid")
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "app_built_in": built,
        "app": id(current_app._get_current_object()),
    }
