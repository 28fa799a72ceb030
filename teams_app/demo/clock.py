"""The demo's past, measured from the app's one clock (``database.utcnow``, which
``clock_set`` can freeze): not a clock of its own.

A builder makes its rows through the services at the clock's time, then spreads what they
stamped (events, stage changes, updates) evenly over a ``Timeline`` in one step; running each
service call inside ``clock_set`` instead would need one block per stamped row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from teams_app.database import utcnow


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def date_in(days: int) -> date:
    """Today's date (UTC) moved by ``days`` (negative: in the past)."""
    return (utcnow() + timedelta(days=days)).date()


@dataclass(frozen=True)
class Timeline:
    """``slots`` even steps from ``start`` towards ``end``: ``at(i)`` is the i-th moment."""

    start: datetime
    end: datetime
    slots: int

    @classmethod
    def over(cls, days: int, slots: int) -> Timeline:
        """From ``days`` ago up to now."""
        start = days_ago(days)
        return cls(start, start + timedelta(days=days), slots)

    @property
    def step(self) -> timedelta:
        return (self.end - self.start) / self.slots

    def at(self, i: int) -> datetime:
        return self.start + self.step * i

    def stamp(self, rows: Iterable[object], attr: str, first: int = 0) -> None:
        """Give each row's ``attr`` the next moment, from slot ``first`` on."""
        for i, row in enumerate(rows, start=first):
            setattr(row, attr, self.at(i))
