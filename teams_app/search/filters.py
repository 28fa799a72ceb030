"""Reading a search's filters from a query string, the same for the page and the API: unknown
kinds and bad dates are reported, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from teams_app.models import DocKind
from teams_app.search.query import Filters


@dataclass
class Parsed:
    filters: Filters
    problems: dict[str, str] = field(default_factory=dict)


def _positive_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 0 < int(value) < 2**31 else None


def _day(value: str | None, name: str, problems: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems[name] = "Use a date like 2026-03-31."
        return None


def read_filters(args: Mapping[str, str]) -> Parsed:
    problems: dict[str, str] = {}
    kind = args.get("kind") or None
    if kind is not None and kind not in {k.value for k in DocKind}:
        problems["kind"] = "Pick one of the kinds listed."
        kind = None
    f = Filters(
        kind=kind,
        team_id=_positive_int(args.get("team_id")),
        department_id=_positive_int(args.get("department_id")),
        date_from=_day(args.get("from"), "from", problems),
        date_to=_day(args.get("to"), "to", problems),
    )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        problems["to"] = "The end date is before the start date."
        f.date_to = None
    return Parsed(f, problems)
