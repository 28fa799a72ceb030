"""Reporting a barrier: who may, what is checked, where it is filed."""

from __future__ import annotations

import pytest

from teams_app.activity import describe
from teams_app.errors import InvalidInput, NotAllowed
from tests.factories import DepartmentFactory, UserFactory, make_team
from tests.integration.barriers.helpers import (
    barrier_count,
    events_of,
    fresh,
    initiative_of,
    report,
)

# --- Report -------------------------------------------------------------------------------------


def test_any_active_staff_member_reports_a_barrier(outsider):
    barrier = report(outsider, description="  Twice a day.  ", severity="critical")
    assert barrier.status == "open"
    assert barrier.reported_by_id == outsider.id
    assert barrier.description == "Twice a day."
    assert (barrier.severity, barrier.severity_rank) == ("critical", 4)
    assert barrier.reported_at is not None and barrier.version == 1
    assert barrier.team_id is None and barrier.resolved_at is None
    [event] = events_of(barrier)
    assert (event.verb, event.actor_id, event.team_id) == ("reported_barrier", outsider.id, None)
    assert describe(event) == "reported the barrier “Printers jam at the desk”"


def test_an_inactive_account_cannot_report(app):
    gone = UserFactory(active=False)
    with pytest.raises(NotAllowed):
        report(gone)
    assert barrier_count() == 0


def test_every_bad_choice_is_named_at_once(staff):
    with pytest.raises(InvalidInput) as raised:
        report(staff, category="weather", severity="dire", affects="cats", source="rumour")
    assert set(raised.value.fields) == {"category", "severity", "affects", "source"}
    assert "policy" in raised.value.fields["category"][0]  # the message lists what is allowed
    assert barrier_count() == 0


def test_bad_choices_and_a_missing_title_are_reported_together(staff):
    with pytest.raises(InvalidInput) as raised:
        report(staff, title=" ", severity="dire", department_id=999_999)
    assert set(raised.value.fields) == {"title", "severity", "department_id"}


@pytest.mark.parametrize("title", ["", "   ", None, "x" * 161])
def test_title_is_required_and_at_most_160(staff, title):
    with pytest.raises(InvalidInput) as raised:
        report(staff, title=title)
    assert set(raised.value.fields) == {"title"}
    assert barrier_count() == 0


def test_a_160_character_title_is_kept_stripped(staff):
    barrier = report(staff, title="  " + "x" * 160 + "  ")
    assert barrier.title == "x" * 160


@pytest.mark.parametrize("field", ["department_id", "team_id", "initiative_id"])
def test_links_that_do_not_exist_are_refused(staff, field):
    with pytest.raises(InvalidInput) as raised:
        report(staff, **{field: 999_999})
    assert field in raised.value.fields
    assert barrier_count() == 0


@pytest.mark.parametrize("status", ["proposed", "closed"])
def test_a_team_that_is_not_active_cannot_take_a_barrier(staff, status):
    idle = make_team(UserFactory(), status=status)
    with pytest.raises(InvalidInput) as raised:
        report(staff, team_id=idle.id)
    assert "team_id" in raised.value.fields
    assert barrier_count() == 0


def test_department_and_team_links_are_kept(staff, team_of_three):
    branch = DepartmentFactory(name="North Branch")
    barrier = report(staff, department_id=branch.id, team_id=team_of_three.id)
    barrier = fresh(barrier)
    assert barrier.department.name == "North Branch" and barrier.team.name == "Desk Team"


def test_an_initiative_brings_its_team_and_the_event_is_filed_there(staff, team_of_three, outsider):
    initiative = initiative_of(team_of_three, staff)
    barrier = report(outsider, initiative_id=initiative.id)
    assert (barrier.initiative_id, barrier.team_id) == (initiative.id, team_of_three.id)
    [event] = events_of(barrier)
    assert (event.verb, event.team_id) == ("reported_barrier", team_of_three.id)


def test_naming_the_initiatives_own_team_too_is_fine(staff, team_of_three):
    initiative = initiative_of(team_of_three, staff)
    barrier = report(staff, initiative_id=initiative.id, team_id=team_of_three.id)
    assert barrier.team_id == team_of_three.id


def test_a_team_that_contradicts_the_initiative_is_refused(staff, team_of_three):
    initiative = initiative_of(team_of_three, staff)
    other = make_team(UserFactory(), name="Other Team")
    with pytest.raises(InvalidInput) as raised:
        report(staff, initiative_id=initiative.id, team_id=other.id)
    assert "team_id" in raised.value.fields
    assert barrier_count() == 0


def test_reporting_to_a_team_files_the_event_in_its_feed(outsider, team_of_three):
    barrier = report(outsider, team_id=team_of_three.id)
    [event] = events_of(barrier)
    assert event.team_id == team_of_three.id and event.data["barrier_id"] == barrier.id


def test_a_title_is_kept_on_one_line(app):
    from teams_app.barriers import services as svc
    from tests.factories import UserFactory

    barrier = svc.report_barrier(
        UserFactory(),
        svc.BarrierDetails(
            title="Two\nlines\r\n here",
            category="process",
            affects="staff",
            severity="low",
            source="staff",
        ),
    )
    assert barrier.title == "Two lines here"
