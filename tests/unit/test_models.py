"""Model helpers that templates and messages rely on."""

from __future__ import annotations

import pytest

from teams_app.models import User


@pytest.mark.parametrize(
    "name, first", [("Sam Staff", "Sam"), ("  Ada  ", "Ada"), (" ", "kim"), ("", "kim")]
)
def test_first_name_never_fails(name, first):
    assert User(name=name, email="kim@library.example").first_name == first
