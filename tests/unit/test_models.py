"""Model helpers that templates and messages rely on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from teams_app.database import clock_set, utcnow
from teams_app.models import Affects, Health, StoryKind, User


@pytest.mark.parametrize(
    "name, first", [("Sam Staff", "Sam"), ("  Ada  ", "Ada"), (" ", "kim"), ("", "kim")]
)
def test_first_name_never_fails(name, first):
    assert User(name=name, email="kim@library.example").first_name == first


def test_clock_set_fixes_utcnow_for_the_block_and_restores_it():
    then = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    with clock_set(then):
        assert utcnow() == then
        with clock_set(lambda: then.replace(hour=10)):
            assert utcnow().hour == 10
        assert utcnow() == then
    assert utcnow() > then


def test_labelled_enum_derives_labels_unless_a_member_gives_its_own():
    assert Health.ON_TRACK.label == "On track"
    assert Affects.INTERNAL.label == "Internal customers"
    assert StoryKind.RECOVERY.value == "recovery" and StoryKind("recovery") is StoryKind.RECOVERY
