"""What every model is built from: the declarative base and its naming convention, the UTC
datetime type and clock, the check constraint that keeps an enum column to its values, and
enums whose members have labels.

Kept outside the models package so extensions.py can import it without a cycle.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_clock: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Timezone-aware now; used as a callable default so each row gets its own time. Inside
    ``clock_set`` it is that clock's time instead."""
    return _clock() if _clock is not None else datetime.now(UTC)


@contextmanager
def clock_set(now: datetime | Callable[[], datetime]) -> Iterator[None]:
    """Within the block ``utcnow()`` answers ``now`` (a fixed aware time, or a callable giving
    one), for tests and for back-dating demo data; the previous clock comes back after."""
    global _clock
    if isinstance(now, datetime) and now.tzinfo is None:
        raise ValueError("clock_set needs an aware datetime")
    previous = _clock
    _clock = (lambda: now) if isinstance(now, datetime) else now
    try:
        yield
    finally:
        _clock = previous


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class LabelledEnum(enum.StrEnum):
    """A string enum whose members say themselves in words: ``label`` is the value with
    underscores as spaces, capitalised ("on_track" → "On track"), unless the member gives its
    own beside its value (``RECOVERY = "recovery", "Service recovery"``)."""

    _value_: str
    label: str

    def __new__(cls, value: str, label: str | None = None) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        return member


def enum_values(values: type[enum.StrEnum]) -> list[str]:
    """An enum's values in their order: what a column or an API field accepts."""
    return [member.value for member in values]


def enum_check(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """Keeps a string column to an enum's values, on every database."""
    allowed = ", ".join(f"'{v}'" for v in enum_values(values))
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")
