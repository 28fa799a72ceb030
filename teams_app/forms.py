"""Form helpers shared by the feature blueprints."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import SelectChoice


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def department_options(empty_label: str) -> list[SelectChoice]:
    """Departments for a select, with a first "none" option whose value is 0."""
    from teams_app.people.services import department_choices

    return options([(0, empty_label), *department_choices()])
