"""The barriers blueprint: barrier pages (``routes``) and action pages (``action_routes``)
register on it, so endpoint names stay ``barriers.*``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, url_for

from teams_app.input_guard import parse_id
from teams_app.models import Barrier
from teams_app.views import signed_in_only

bp = Blueprint("barriers", __name__)
signed_in_only(bp)


def barrier_url(barrier: Barrier | int) -> str:
    barrier_id = barrier if isinstance(barrier, int) else barrier.id
    return url_for("barriers.show", barrier_id=barrier_id)


def id_or_none(raw: Any) -> int | None:
    try:
        return parse_id(str(raw or ""))
    except ValueError:
        return None
