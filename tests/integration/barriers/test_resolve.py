"""Resolving a barrier, the reporter's mail, and reopening it."""

from __future__ import annotations

import pytest

from teams_app.activity import describe
from teams_app.barriers import services
from teams_app.errors import Conflict, InvalidInput, NotAllowed
from teams_app.extensions import db
from teams_app.models import utcnow
from teams_app.queue import get_queue
from teams_app.versioning import StaleEdit
from tests.factories import UserFactory, make_team
from tests.integration.barriers.helpers import (
    edit,
    events_of,
    fresh,
    log,
    mail_text,
    reopen,
    report,
    resolve,
    update,
    verbs_of,
)

# --- Resolve ------------------------------------------------------------------------------------


def test_a_lead_of_the_linked_team_resolves(outsider, staff, team_of_three):
    barrier = report(outsider, team_id=team_of_three.id)
    before = utcnow()
    closed = resolve(staff, barrier, "removed", "  New printers.  ")
    assert closed.status == "removed" and closed.is_closed
    assert closed.resolution == "New printers."
    assert closed.resolved_by_id == staff.id and closed.resolved_at >= before
    event = events_of(barrier)[-1]
    assert (event.verb, event.team_id) == ("resolved_barrier", team_of_three.id)
    assert (event.data["outcome"], event.data["resolution"]) == ("removed", "New printers.")
    assert describe(event) == "closed the barrier “Printers jam at the desk” as removed"


def test_leadership_resolves_a_barrier_with_no_team(outsider, leader):
    barrier = report(outsider)
    closed = resolve(leader, barrier, "accepted", "Budget is spent this year.")
    assert (closed.status, closed.resolved_by_id) == ("accepted", leader.id)


def test_members_and_reporters_who_are_not_leads_cannot_resolve(
    outsider, staff, team_of_three, member
):
    by_outsider = report(outsider, team_id=team_of_three.id)
    by_member = report(member, team_id=team_of_three.id)
    with pytest.raises(NotAllowed):
        resolve(member, by_outsider)
    with pytest.raises(NotAllowed):
        resolve(outsider, by_outsider)
    with pytest.raises(NotAllowed):
        resolve(member, by_member)  # the reporter, and a member, but not a lead
    assert fresh(by_outsider).status == fresh(by_member).status == "open"


def test_a_lead_of_another_team_cannot_resolve(outsider, team_of_three):
    other_lead = UserFactory()
    make_team(other_lead, name="Other Team")
    barrier = report(outsider, team_id=team_of_three.id)
    with pytest.raises(NotAllowed):
        resolve(other_lead, barrier)


def test_a_barrier_with_no_team_is_resolved_only_by_leadership(staff):
    barrier = report(staff)
    with pytest.raises(NotAllowed):
        resolve(staff, barrier)


@pytest.mark.parametrize("outcome", ["open", "addressing", "done", ""])
def test_the_outcome_must_be_removed_or_accepted(staff, team_of_three, outcome):
    barrier = report(staff, team_id=team_of_three.id)
    with pytest.raises(InvalidInput) as raised:
        resolve(staff, barrier, outcome)
    assert "status" in raised.value.fields
    assert fresh(barrier).status == "open"


@pytest.mark.parametrize("note", [None, "", "   ", "x" * 4001])
def test_a_resolution_note_is_required(staff, team_of_three, note):
    barrier = report(staff, team_id=team_of_three.id)
    with pytest.raises(InvalidInput) as raised:
        resolve(staff, barrier, "removed", note)
    assert "resolution" in raised.value.fields
    assert fresh(barrier).resolved_at is None


def test_resolving_with_a_stale_version_is_refused(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    old = fresh(barrier).version
    edit(staff, barrier, title="Renamed")
    with pytest.raises(StaleEdit):
        services.resolve_barrier(staff, fresh(barrier), "removed", "Done.", old)
    assert fresh(barrier).status == "open"


def test_resolving_twice_is_a_conflict(staff, team_of_three, leader):
    barrier = report(staff, team_id=team_of_three.id)
    resolve(staff, barrier)
    with pytest.raises(Conflict):
        resolve(leader, barrier, "accepted", "Again.")
    assert fresh(barrier).status == "removed"


def test_the_reporter_is_mailed_what_was_done(outsider, staff, team_of_three, mailbox, run_jobs):
    barrier = report(outsider, team_id=team_of_three.id)
    resolve(staff, barrier, "removed", "The vendor replaced both printers.")
    assert run_jobs() == 0
    [mail] = mailbox.to(outsider.email)
    assert "You said, we did" in mail["Subject"] and barrier.title in mail["Subject"]
    text = mail_text(mail)
    assert "The vendor replaced both printers." in text
    assert "Sam Staff" in text
    assert f"/barriers/{barrier.id}" in mailbox.link_in(mail)
    about_it = [m for m in mailbox.messages if barrier.title in m["Subject"]]
    assert about_it == [mail]  # the one who closed it is not mailed


def test_an_accepted_barrier_mail_says_why(outsider, leader, mailbox, run_jobs):
    barrier = report(outsider)
    resolve(leader, barrier, "accepted", "No budget until spring.")
    assert run_jobs() == 0
    [mail] = mailbox.to(outsider.email)
    assert mail["Subject"].startswith("Decision on:")
    assert "No budget until spring." in mail_text(mail)


def test_no_mail_when_the_reporter_resolves_it_themselves(staff, team_of_three, mailbox, run_jobs):
    barrier = report(staff, team_id=team_of_three.id)
    queued = get_queue("mail").count  # the team's own notices
    resolve(staff, barrier)
    assert get_queue("mail").count == queued
    assert run_jobs() == 0
    assert [m for m in mailbox.messages if barrier.title in m["Subject"]] == []


def test_no_mail_to_a_reporter_who_has_left(staff, team_of_three, mailbox, run_jobs):
    reporter = UserFactory()
    barrier = report(reporter, team_id=team_of_three.id)
    reporter.active = False
    db.session.commit()
    resolve(staff, barrier)
    assert run_jobs() == 0
    assert [m for m in mailbox.messages if barrier.title in m["Subject"]] == []


# --- Reopen -------------------------------------------------------------------------------------


def test_only_a_closed_barrier_can_be_reopened(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    with pytest.raises(Conflict):
        reopen(staff, barrier)
    assert verbs_of(barrier) == ["reported_barrier"]


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_reopening_needs_a_reason(staff, team_of_three, reason):
    barrier = report(staff, team_id=team_of_three.id)
    resolve(staff, barrier)
    with pytest.raises(InvalidInput) as raised:
        reopen(staff, barrier, reason)
    assert "reason" in raised.value.fields
    assert fresh(barrier).status == "removed"


def test_the_reporter_reopens_and_the_resolution_is_cleared(outsider, staff, team_of_three):
    barrier = report(outsider, team_id=team_of_three.id)
    resolve(staff, barrier)
    opened = reopen(outsider, barrier, "  Jammed again today.  ")
    assert opened.status == "open"
    assert (opened.resolved_at, opened.resolved_by_id, opened.resolution) == (None, None, None)
    event = events_of(barrier)[-1]
    assert (event.verb, event.actor_id, event.team_id) == (
        "reopened_barrier",
        outsider.id,
        team_of_three.id,
    )
    assert (event.data["reason"], event.data["was"]) == ("Jammed again today.", "removed")
    assert describe(event) == (
        "reopened the barrier “Printers jam at the desk”: “Jammed again today.”"
    )


def test_someone_unrelated_cannot_reopen(staff, team_of_three, member, outsider):
    barrier = report(staff, team_id=team_of_three.id)
    resolve(staff, barrier)
    for actor in (outsider, member):
        with pytest.raises(NotAllowed):
            reopen(actor, barrier)
    assert fresh(barrier).status == "removed"


def test_a_reopened_barrier_with_a_running_action_is_addressing(staff, team_of_three, leader):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(staff, barrier)
    resolve(staff, barrier, "accepted", "Live with it.", all="dropped")
    assert reopen(leader, barrier, restore=[action.id]).status == "addressing"


def test_a_reopened_barrier_whose_actions_are_finished_is_open(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    action = log(staff, barrier)
    update(staff, action, status="done", outcome="Called them.")
    resolve(staff, barrier)
    assert reopen(staff, barrier).status == "open"


def test_a_reopened_barrier_can_be_edited_and_resolved_again(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    resolve(staff, barrier)
    reopen(staff, barrier)
    assert edit(staff, barrier, title="Printers jam, again").title == "Printers jam, again"
    assert resolve(staff, barrier, "accepted", "Old printers stay.").status == "accepted"
