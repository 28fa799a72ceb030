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


def _initiative(kind: str = "open", position: int = 2, due_in_days: int = 1):
    from datetime import UTC, datetime, timedelta

    from teams_app.models import Initiative, Stage

    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    stage = Stage(name="Pilot", kind=kind, position=position)
    return Initiative(stage=stage, update_due_at=now + timedelta(days=due_in_days)), now


def test_only_open_initiatives_past_their_update_go_stale():
    fresh, now = _initiative(due_in_days=1)
    late, _ = _initiative(due_in_days=-1)
    done, _ = _initiative(kind="done", due_in_days=-30)
    assert (fresh.is_stale(now), late.is_stale(now), done.is_stale(now)) == (False, True, False)


def test_moving_back_or_stopping_needs_a_note_and_moving_on_does_not():
    from teams_app.models import Stage

    initiative, _ = _initiative(position=2)
    assert initiative.note_needed_to(Stage(kind="open", position=4)) is None
    assert initiative.note_needed_to(Stage(kind="done", position=5)) is None
    assert initiative.note_needed_to(Stage(kind="open", position=1)) == "to move it back"
    assert initiative.note_needed_to(Stage(kind="stopped", position=6)) == "to stop it"


def test_due_phrase_reads_from_the_actions_rules():
    from datetime import date

    from teams_app.models import Action
    from teams_app.templating import due_phrase

    today = date(2026, 3, 2)

    def text(status: str, due_on: date | None) -> str:
        return str(due_phrase(Action(status=status, due_on=due_on), today))

    assert "Overdue 2 days" in text("planned", date(2026, 2, 28))
    assert "Overdue 1 day (" in text("doing", date(2026, 3, 1))
    assert ">Due today<" in text("planned", today)
    assert "Due in 1 day<" in text("planned", date(2026, 3, 3))
    assert "Due <time" in text("done", date(2026, 2, 1))  # finished: never overdue
    assert "No due date" in text("planned", None)


def test_due_text_is_the_pages_due_phrase_without_markup():
    import re
    from datetime import date

    from teams_app.models import Action
    from teams_app.templating import due_phrase, due_text

    today = date(2026, 3, 2)
    cases = [
        ("planned", date(2026, 2, 28)),
        ("planned", today),
        ("planned", date(2026, 3, 5)),
        ("done", date(2026, 2, 1)),
        ("planned", None),
    ]
    for status, due_on in cases:
        action = Action(status=status, due_on=due_on)
        page = re.sub(r"<[^>]+>", "", str(due_phrase(action, today)))
        assert due_text(action, today) == page
    assert due_text(Action(status="planned", due_on=date(2026, 2, 28)), today) == (
        "Overdue 2 days (28 Feb 2026)"
    )


def test_the_demos_past_counts_back_from_the_one_clock():
    from datetime import UTC, date, datetime, timedelta

    from teams_app.database import clock_set
    from teams_app.demo.clock import Timeline, date_in, days_ago

    frozen = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with clock_set(frozen):
        assert days_ago(3) == frozen - timedelta(days=3)
        assert date_in(-1) == date(2026, 3, 1)
        line = Timeline.over(10, 5)
    assert (line.start, line.end) == (frozen - timedelta(days=10), frozen)
    assert line.at(1) == frozen - timedelta(days=8)
