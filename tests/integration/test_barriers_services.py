"""The rules of barriers and actions, and their queries, tested through the service functions."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from teams_app.activity import describe
from teams_app.barriers import queries, services
from teams_app.errors import Conflict, InvalidInput, NotAllowed
from teams_app.extensions import db
from teams_app.initiatives.services import Details, create_initiative
from teams_app.models import Action, Activity, Barrier, Severity, utcnow
from teams_app.queue import get_queue
from teams_app.versioning import StaleEdit
from tests.factories import DepartmentFactory, UserFactory, make_team

# --- Helpers ------------------------------------------------------------------------------------


@pytest.fixture
def member(app):
    return UserFactory(name="Mo Member")


@pytest.fixture
def member2(app):
    return UserFactory(name="Mia Member")


@pytest.fixture
def outsider(app):
    return UserFactory(name="Oz Outsider")


@pytest.fixture
def team(staff, member, member2):
    """Sam Staff leads it; Mo and Mia are plain members."""
    return make_team(staff, name="Desk Team", members=(member, member2))


def details(**changes):
    base = {
        "title": "Printers jam at the desk",
        "category": "technology",
        "affects": "customers",
        "severity": "medium",
        "source": "staff",
    }
    return services.BarrierDetails(**{**base, **changes})


def report(actor, **changes):
    return services.report_barrier(actor, details(**changes))


def fresh(barrier):
    return services.get_barrier(barrier.id)


def same_as(barrier, **changes):
    """The barrier's current details with ``changes``: what an edit form would send."""
    base = {
        "title": barrier.title,
        "category": barrier.category,
        "affects": barrier.affects,
        "severity": barrier.severity,
        "source": barrier.source,
        "description": barrier.description,
        "team_id": barrier.team_id,
        "initiative_id": barrier.initiative_id,
        "department_id": barrier.department_id,
    }
    return services.BarrierDetails(**{**base, **changes})


def edit(actor, barrier, **changes):
    current = fresh(barrier)
    return services.edit_barrier(actor, current, same_as(current, **changes), current.version)


def resolve(actor, barrier, outcome="removed", note="The vendor replaced the printers.", **fates):
    return services.resolve_barrier(actor, fresh(barrier), outcome, note, fates=fates or None)


def reopen(actor, barrier, reason="They jam again.", restore=None):
    return services.reopen_barrier(actor, fresh(barrier), reason, restore=restore)


def log(actor, barrier=None, initiative=None, description="Call the vendor", **kw):
    """Log an action. A due date already past is given as logged earlier, when it was still
    ahead (a new action cannot be due in the past)."""
    due = kw.get("due_on")
    past = due is not None and due < services.today_for(actor)
    if past:
        kw["due_on"] = None
    action = services.log_action(
        actor,
        services.ActionDetails(description, **kw),
        barrier=fresh(barrier) if barrier is not None else None,
        initiative=initiative,
    )
    if past:
        db.session.execute(
            Action.__table__.update().where(Action.id == action.id).values(due_on=due)
        )
        db.session.commit()
        action = services.get_action(action.id)
    return action


def update(actor, action, **changes):
    current = services.get_action(action.id)
    return services.update_action(
        actor, current, services.change_for(current, **changes), current.version
    )


def events_of(barrier) -> list[Activity]:
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.subject_type == "barrier", Activity.subject_id == barrier.id)
            .order_by(Activity.id)
        )
    )


def verbs_of(barrier) -> list[str]:
    return [e.verb for e in events_of(barrier)]


def barrier_count() -> int:
    return db.session.query(Barrier).count()


def initiative_of(team, actor, title="Yes list"):
    return create_initiative(actor, team, Details(title=title))


def mail_text(msg) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


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


def test_department_and_team_links_are_kept(staff, team):
    branch = DepartmentFactory(name="North Branch")
    barrier = report(staff, department_id=branch.id, team_id=team.id)
    barrier = fresh(barrier)
    assert barrier.department.name == "North Branch" and barrier.team.name == "Desk Team"


def test_an_initiative_brings_its_team_and_the_event_is_filed_there(staff, team, outsider):
    initiative = initiative_of(team, staff)
    barrier = report(outsider, initiative_id=initiative.id)
    assert (barrier.initiative_id, barrier.team_id) == (initiative.id, team.id)
    [event] = events_of(barrier)
    assert (event.verb, event.team_id) == ("reported_barrier", team.id)


def test_naming_the_initiatives_own_team_too_is_fine(staff, team):
    initiative = initiative_of(team, staff)
    barrier = report(staff, initiative_id=initiative.id, team_id=team.id)
    assert barrier.team_id == team.id


def test_a_team_that_contradicts_the_initiative_is_refused(staff, team):
    initiative = initiative_of(team, staff)
    other = make_team(UserFactory(), name="Other Team")
    with pytest.raises(InvalidInput) as raised:
        report(staff, initiative_id=initiative.id, team_id=other.id)
    assert "team_id" in raised.value.fields
    assert barrier_count() == 0


def test_reporting_to_a_team_files_the_event_in_its_feed(outsider, team):
    barrier = report(outsider, team_id=team.id)
    [event] = events_of(barrier)
    assert event.team_id == team.id and event.data["barrier_id"] == barrier.id


# --- Edit ---------------------------------------------------------------------------------------


def test_the_reporter_edits_their_open_barrier(outsider):
    barrier = report(outsider)
    edited = edit(outsider, barrier, title="Printers jam daily", severity="high")
    assert (edited.title, edited.severity, edited.severity_rank) == (
        "Printers jam daily",
        "high",
        3,
    )
    assert edited.version == 2
    assert verbs_of(barrier) == ["reported_barrier", "edited_barrier"]


def test_a_member_of_the_linked_team_edits(outsider, team, member):
    barrier = report(outsider, team_id=team.id)
    assert edit(member, barrier, category="process").category == "process"


def test_leadership_edits_any_open_barrier(outsider, leader):
    barrier = report(outsider)
    assert edit(leader, barrier, affects="staff").affects == "staff"


def test_an_unrelated_staff_member_cannot_edit(staff, team, outsider):
    barrier = report(staff, team_id=team.id)
    with pytest.raises(NotAllowed):
        edit(outsider, barrier, title="Mine now")
    assert fresh(barrier).title == "Printers jam at the desk"


def test_a_closed_barrier_cannot_be_edited_even_by_leadership(staff, team, leader):
    barrier = report(staff, team_id=team.id)
    resolve(staff, barrier)
    for actor in (staff, leader):
        with pytest.raises(Conflict):
            edit(actor, barrier, title="Changed")
    assert fresh(barrier).title == "Printers jam at the desk"


def test_an_edit_without_a_version_is_refused(staff):
    barrier = report(staff)
    with pytest.raises(InvalidInput) as raised:
        services.edit_barrier(staff, fresh(barrier), same_as(barrier, title="New"), None)
    assert "version" in raised.value.fields


def test_a_stale_edit_is_refused_and_shows_the_saved_version(staff):
    barrier = report(staff)
    old = fresh(barrier).version
    edit(staff, barrier, title="First save")
    with pytest.raises(StaleEdit) as raised:
        services.edit_barrier(staff, fresh(barrier), same_as(barrier, title="Second save"), old)
    assert isinstance(raised.value, Conflict)
    assert raised.value.current.title == "First save"
    assert raised.value.current.version == old + 1
    assert "version" in raised.value.fields
    assert fresh(barrier).title == "First save"


def test_edits_are_validated_like_reports(staff):
    barrier = report(staff)
    with pytest.raises(InvalidInput) as raised:
        edit(staff, barrier, title="", severity="dire")
    assert set(raised.value.fields) == {"title", "severity"}


def test_handing_a_barrier_to_a_team_needs_a_place_on_it(outsider, staff, team, leader):
    barrier = report(outsider)
    with pytest.raises(InvalidInput) as raised:
        edit(outsider, barrier, team_id=team.id)
    assert "team_id" in raised.value.fields
    assert fresh(barrier).team_id is None
    # Leadership may hand it to any active team, and members to their own.
    assert edit(leader, barrier, team_id=team.id).team_id == team.id
    own = report(staff)
    assert edit(staff, own, team_id=team.id).team_id == team.id


def test_a_team_member_cannot_hand_it_on_to_another_team(outsider, team, member):
    barrier = report(outsider, team_id=team.id)
    other = make_team(UserFactory(), name="Other Team")
    with pytest.raises(InvalidInput) as raised:
        edit(member, barrier, team_id=other.id)
    assert "team_id" in raised.value.fields
    assert fresh(barrier).team_id == team.id


def test_relinking_records_linked_barrier_in_the_teams_feed(staff, team):
    barrier = report(staff)
    edit(staff, barrier, team_id=team.id)
    initiative = initiative_of(team, staff)
    edit(staff, barrier, initiative_id=initiative.id)
    events = events_of(barrier)
    assert [e.verb for e in events] == ["reported_barrier", "linked_barrier", "linked_barrier"]
    assert [e.team_id for e in events] == [None, team.id, team.id]
    assert describe(events[1]) == "linked the barrier “Printers jam at the desk” to Desk Team"
    assert describe(events[2]).endswith("to Yes list")
    assert fresh(barrier).initiative_id == initiative.id


# --- Resolve ------------------------------------------------------------------------------------


def test_a_lead_of_the_linked_team_resolves(outsider, staff, team):
    barrier = report(outsider, team_id=team.id)
    before = utcnow()
    closed = resolve(staff, barrier, "removed", "  New printers.  ")
    assert closed.status == "removed" and closed.is_closed
    assert closed.resolution == "New printers."
    assert closed.resolved_by_id == staff.id and closed.resolved_at >= before
    event = events_of(barrier)[-1]
    assert (event.verb, event.team_id) == ("resolved_barrier", team.id)
    assert (event.data["outcome"], event.data["resolution"]) == ("removed", "New printers.")
    assert describe(event) == "closed the barrier “Printers jam at the desk” as removed"


def test_leadership_resolves_a_barrier_with_no_team(outsider, leader):
    barrier = report(outsider)
    closed = resolve(leader, barrier, "accepted", "Budget is spent this year.")
    assert (closed.status, closed.resolved_by_id) == ("accepted", leader.id)


def test_members_and_reporters_who_are_not_leads_cannot_resolve(outsider, staff, team, member):
    by_outsider = report(outsider, team_id=team.id)
    by_member = report(member, team_id=team.id)
    with pytest.raises(NotAllowed):
        resolve(member, by_outsider)
    with pytest.raises(NotAllowed):
        resolve(outsider, by_outsider)
    with pytest.raises(NotAllowed):
        resolve(member, by_member)  # the reporter, and a member, but not a lead
    assert fresh(by_outsider).status == fresh(by_member).status == "open"


def test_a_lead_of_another_team_cannot_resolve(outsider, team):
    other_lead = UserFactory()
    make_team(other_lead, name="Other Team")
    barrier = report(outsider, team_id=team.id)
    with pytest.raises(NotAllowed):
        resolve(other_lead, barrier)


def test_a_barrier_with_no_team_is_resolved_only_by_leadership(staff):
    barrier = report(staff)
    with pytest.raises(NotAllowed):
        resolve(staff, barrier)


@pytest.mark.parametrize("outcome", ["open", "addressing", "done", ""])
def test_the_outcome_must_be_removed_or_accepted(staff, team, outcome):
    barrier = report(staff, team_id=team.id)
    with pytest.raises(InvalidInput) as raised:
        resolve(staff, barrier, outcome)
    assert "status" in raised.value.fields
    assert fresh(barrier).status == "open"


@pytest.mark.parametrize("note", [None, "", "   ", "x" * 4001])
def test_a_resolution_note_is_required(staff, team, note):
    barrier = report(staff, team_id=team.id)
    with pytest.raises(InvalidInput) as raised:
        resolve(staff, barrier, "removed", note)
    assert "resolution" in raised.value.fields
    assert fresh(barrier).resolved_at is None


def test_resolving_with_a_stale_version_is_refused(staff, team):
    barrier = report(staff, team_id=team.id)
    old = fresh(barrier).version
    edit(staff, barrier, title="Renamed")
    with pytest.raises(StaleEdit):
        services.resolve_barrier(staff, fresh(barrier), "removed", "Done.", old)
    assert fresh(barrier).status == "open"


def test_resolving_twice_is_a_conflict(staff, team, leader):
    barrier = report(staff, team_id=team.id)
    resolve(staff, barrier)
    with pytest.raises(Conflict):
        resolve(leader, barrier, "accepted", "Again.")
    assert fresh(barrier).status == "removed"


def test_the_reporter_is_mailed_what_was_done(outsider, staff, team, mailbox, run_jobs):
    barrier = report(outsider, team_id=team.id)
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


def test_no_mail_when_the_reporter_resolves_it_themselves(staff, team, mailbox, run_jobs):
    barrier = report(staff, team_id=team.id)
    queued = get_queue("mail").count  # the team's own notices
    resolve(staff, barrier)
    assert get_queue("mail").count == queued
    assert run_jobs() == 0
    assert [m for m in mailbox.messages if barrier.title in m["Subject"]] == []


def test_no_mail_to_a_reporter_who_has_left(staff, team, mailbox, run_jobs):
    reporter = UserFactory()
    barrier = report(reporter, team_id=team.id)
    reporter.active = False
    db.session.commit()
    resolve(staff, barrier)
    assert run_jobs() == 0
    assert [m for m in mailbox.messages if barrier.title in m["Subject"]] == []


# --- Reopen -------------------------------------------------------------------------------------


def test_only_a_closed_barrier_can_be_reopened(staff, team):
    barrier = report(staff, team_id=team.id)
    with pytest.raises(Conflict):
        reopen(staff, barrier)
    assert verbs_of(barrier) == ["reported_barrier"]


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_reopening_needs_a_reason(staff, team, reason):
    barrier = report(staff, team_id=team.id)
    resolve(staff, barrier)
    with pytest.raises(InvalidInput) as raised:
        reopen(staff, barrier, reason)
    assert "reason" in raised.value.fields
    assert fresh(barrier).status == "removed"


def test_the_reporter_reopens_and_the_resolution_is_cleared(outsider, staff, team):
    barrier = report(outsider, team_id=team.id)
    resolve(staff, barrier)
    opened = reopen(outsider, barrier, "  Jammed again today.  ")
    assert opened.status == "open"
    assert (opened.resolved_at, opened.resolved_by_id, opened.resolution) == (None, None, None)
    event = events_of(barrier)[-1]
    assert (event.verb, event.actor_id, event.team_id) == (
        "reopened_barrier",
        outsider.id,
        team.id,
    )
    assert (event.data["reason"], event.data["was"]) == ("Jammed again today.", "removed")
    assert describe(event) == (
        "reopened the barrier “Printers jam at the desk”: “Jammed again today.”"
    )


def test_someone_unrelated_cannot_reopen(staff, team, member, outsider):
    barrier = report(staff, team_id=team.id)
    resolve(staff, barrier)
    for actor in (outsider, member):
        with pytest.raises(NotAllowed):
            reopen(actor, barrier)
    assert fresh(barrier).status == "removed"


def test_a_reopened_barrier_with_a_running_action_is_addressing(staff, team, leader):
    barrier = report(staff, team_id=team.id)
    action = log(staff, barrier)
    resolve(staff, barrier, "accepted", "Live with it.", all="dropped")
    assert reopen(leader, barrier, restore=[action.id]).status == "addressing"


def test_a_reopened_barrier_whose_actions_are_finished_is_open(staff, team):
    barrier = report(staff, team_id=team.id)
    action = log(staff, barrier)
    update(staff, action, status="done", outcome="Called them.")
    resolve(staff, barrier)
    assert reopen(staff, barrier).status == "open"


def test_a_reopened_barrier_can_be_edited_and_resolved_again(staff, team):
    barrier = report(staff, team_id=team.id)
    resolve(staff, barrier)
    reopen(staff, barrier)
    assert edit(staff, barrier, title="Printers jam, again").title == "Printers jam, again"
    assert resolve(staff, barrier, "accepted", "Old printers stay.").status == "accepted"


# --- Actions ------------------------------------------------------------------------------------


def test_an_action_needs_a_barrier_or_an_initiative(staff):
    with pytest.raises(InvalidInput) as raised:
        services.log_action(staff, services.ActionDetails("Call the vendor"))
    assert "barrier_id" in raised.value.fields
    assert db.session.query(Action).count() == 0


def test_no_actions_on_a_closed_barrier(staff, team):
    barrier = report(staff, team_id=team.id)
    resolve(staff, barrier)
    with pytest.raises(Conflict):
        log(staff, barrier)


def test_only_members_of_the_working_team_log_actions(outsider, team, member):
    barrier = report(outsider, team_id=team.id)
    with pytest.raises(NotAllowed):
        log(outsider, barrier)  # the reporter is not on the team
    assert fresh(barrier).status == "open"
    assert log(member, barrier).owner_id == member.id


def test_on_a_barrier_with_no_team_only_leadership_logs(staff, leader):
    barrier = report(staff)
    with pytest.raises(NotAllowed):
        log(staff, barrier)
    action = log(leader, barrier)
    assert (action.barrier_id, action.owner_id, action.created_by_id) == (
        barrier.id,
        leader.id,
        leader.id,
    )


def test_logging_makes_the_barrier_addressing(staff, team, member):
    barrier = report(staff, team_id=team.id)
    action = log(staff, barrier, description="  Call the vendor  ", owner_id=member.id)
    assert (action.status, action.description, action.owner_id) == (
        "planned",
        "Call the vendor",
        member.id,
    )
    assert fresh(barrier).status == "addressing"
    [event] = db.session.scalars(
        select(Activity).where(Activity.subject_type == "action", Activity.subject_id == action.id)
    ).all()
    assert (event.verb, event.team_id) == ("logged_action", team.id)
    assert describe(event) == "logged an action: “Call the vendor”"


def test_the_owner_defaults_to_whoever_logs_it(staff, team):
    barrier = report(staff, team_id=team.id)
    assert log(staff, barrier).owner_id == staff.id


@pytest.mark.parametrize("kind", ["inactive", "pending", "unknown"])
def test_the_owner_must_be_an_active_staff_member(staff, team, kind):
    barrier = report(staff, team_id=team.id)
    owner_id = {
        "inactive": lambda: UserFactory(active=False).id,
        "pending": lambda: UserFactory(password_hash=None).id,
        "unknown": lambda: 999_999,
    }[kind]()
    with pytest.raises(InvalidInput) as raised:
        log(staff, barrier, owner_id=owner_id)
    assert "owner_id" in raised.value.fields
    assert db.session.query(Action).count() == 0
    assert fresh(barrier).status == "open"


@pytest.mark.parametrize("description", ["", "   ", None, "x" * 2001])
def test_an_action_needs_a_description(staff, team, description):
    barrier = report(staff, team_id=team.id)
    with pytest.raises(InvalidInput) as raised:
        log(staff, barrier, description=description)
    assert "description" in raised.value.fields


def test_actions_on_an_initiative(staff, team, member, outsider):
    initiative = initiative_of(team, staff)
    action = log(member, initiative=initiative, due_on=date(2030, 1, 31))
    assert (action.initiative_id, action.barrier_id, action.due_on) == (
        initiative.id,
        None,
        date(2030, 1, 31),
    )
    assert action.team.id == team.id
    with pytest.raises(NotAllowed):
        log(outsider, initiative=initiative)


def test_the_owner_and_a_lead_update_an_action_but_other_members_cannot(
    staff, team, member, member2
):
    barrier = report(staff, team_id=team.id)
    action = log(staff, barrier, owner_id=member.id)
    moved = update(member, action, status="doing")
    assert moved.status == "doing" and moved.version == 2
    assert update(staff, action, due_on=date(2030, 5, 1)).due_on == date(2030, 5, 1)
    with pytest.raises(NotAllowed):
        update(member2, action, status="dropped")
    assert services.get_action(action.id).status == "doing"


def test_leadership_updates_any_action(staff, team, leader):
    barrier = report(staff, team_id=team.id)
    action = log(staff, barrier)
    assert update(leader, action, description="Call the other vendor").description == (
        "Call the other vendor"
    )


def test_an_unknown_status_is_refused(staff, team):
    action = log(staff, report(staff, team_id=team.id))
    with pytest.raises(InvalidInput) as raised:
        update(staff, action, status="finished")
    assert "status" in raised.value.fields


def test_done_needs_an_outcome(staff, team):
    barrier = report(staff, team_id=team.id)
    action = log(staff, barrier)
    for outcome in (None, "  "):
        with pytest.raises(InvalidInput) as raised:
            update(staff, action, status="done", outcome=outcome)
        assert "outcome" in raised.value.fields
    assert services.get_action(action.id).status == "planned"
    assert fresh(barrier).status == "addressing"


def test_an_update_is_validated_like_a_new_action(staff, team):
    action = log(staff, report(staff, team_id=team.id))
    with pytest.raises(InvalidInput) as raised:
        update(staff, action, description=" ", owner_id=999_999)
    assert set(raised.value.fields) == {"description", "owner_id"}


def test_done_stamps_the_time_and_the_barrier_follows_its_actions(staff, team):
    barrier = report(staff, team_id=team.id)
    first = log(staff, barrier, description="Call the vendor")
    second = log(staff, barrier, description="Order paper")
    done = update(staff, first, status="done", outcome="They came.")
    assert done.done_at is not None and done.outcome == "They came."
    assert fresh(barrier).status == "addressing"  # the second action still runs
    update(staff, second, status="doing")
    assert fresh(barrier).status == "addressing"
    update(staff, second, status="dropped")
    assert fresh(barrier).status == "open"
    action_verbs = [
        a.verb
        for a in db.session.scalars(
            select(Activity).where(Activity.subject_type == "action").order_by(Activity.id)
        )
    ]
    assert action_verbs[:3] == ["logged_action", "logged_action", "completed_action"]
    assert action_verbs[3] in ("started_action", "updated_action")  # planned to doing
    assert action_verbs[4:] == ["dropped_action"]


def test_back_from_done_clears_done_at_and_the_barrier_is_addressed_again(staff, team):
    barrier = report(staff, team_id=team.id)
    action = log(staff, barrier)
    done = update(staff, action, status="done", outcome="Sorted.")
    stamped = done.done_at
    assert fresh(barrier).status == "open"
    # Saving a done action again keeps its time.
    assert update(staff, action, outcome="Sorted, mostly.").done_at == stamped
    back = update(staff, action, status="doing")
    assert back.status == "doing" and back.done_at is None
    assert fresh(barrier).status == "addressing"


def test_a_stale_action_update_is_refused(staff, team):
    action = log(staff, report(staff, team_id=team.id))
    old = services.get_action(action.id)
    old_version = old.version
    update(staff, action, description="First")
    current = services.get_action(action.id)
    with pytest.raises(StaleEdit) as raised:
        services.update_action(
            staff, current, services.change_for(current, description="Second"), old_version
        )
    assert isinstance(raised.value, Conflict)
    assert raised.value.current.description == "First"
    assert services.get_action(action.id).description == "First"


def test_an_action_update_without_a_version_is_refused(staff, team):
    action = log(staff, report(staff, team_id=team.id))
    current = services.get_action(action.id)
    with pytest.raises(InvalidInput) as raised:
        services.update_action(staff, current, services.change_for(current), None)
    assert "version" in raised.value.fields


def test_actions_of_a_closed_barrier_are_frozen(staff, team, leader):
    barrier = report(staff, team_id=team.id)
    action = log(staff, barrier)
    resolve(staff, barrier, all="dropped")
    for actor in (staff, leader):
        with pytest.raises(Conflict):
            update(actor, action, status="done", outcome="Late.")
    assert services.get_action(action.id).status == "dropped"


# --- Queries: the register ----------------------------------------------------------------------


@pytest.fixture
def register(staff, team, leader, outsider):
    """Four barriers, one per status, reported a day apart (oldest first)."""
    north = DepartmentFactory(name="North Branch")
    south = DepartmentFactory(name="South Branch")
    opened = report(
        outsider,
        title="Slow wifi in the branch",
        category="technology",
        severity="low",
        affects="customers",
        department_id=north.id,
        team_id=team.id,
    )
    addressing = report(
        outsider,
        title="Forms only in English",
        description="Newcomers cannot fill them in.",
        category="communication",
        severity="critical",
        affects="customers",
        department_id=south.id,
    )
    log(leader, addressing)
    removed = report(
        staff,
        title="Hold shelf is full",
        category="process",
        severity="high",
        affects="staff",
        department_id=north.id,
        team_id=team.id,
    )
    resolve(staff, removed)
    accepted = report(staff, title="Parking is far away", category="facilities", affects="internal")
    resolve(leader, accepted, "accepted", "No land to build on.")
    now = utcnow()
    for days, b in enumerate((accepted, removed, addressing, opened), start=1):
        db.session.get(Barrier, b.id).reported_at = now - timedelta(days=days)
    db.session.commit()
    by_name = {"open": opened, "addressing": addressing, "removed": removed, "accepted": accepted}
    return SimpleNamespace(
        ids={name: b.id for name, b in by_name.items()},
        refs={"north": north.id, "south": south.id, "team": team.id},
    )


def names(register, **filters) -> list[str]:
    by_id = {v: k for k, v in register.ids.items()}
    stmt = queries.register_query(queries.BarrierFilter(**filters))
    return [by_id[b.id] for b in db.session.scalars(stmt).unique()]


def test_the_register_starts_with_the_oldest(register):
    assert names(register) == ["open", "addressing", "removed", "accepted"]
    statuses = {k: db.session.get(Barrier, v).status for k, v in register.ids.items()}
    assert statuses == {k: k for k in register.ids}


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"status": "open"}, ["open"]),
        ({"status": "addressing"}, ["addressing"]),
        ({"status": "removed"}, ["removed"]),
        ({"status": "accepted"}, ["accepted"]),
        ({"status": "unresolved"}, ["open", "addressing"]),
        ({"status": "closed"}, ["removed", "accepted"]),
        ({"category": "technology"}, ["open"]),
        ({"category": "policy"}, []),
        ({"severity": "critical"}, ["addressing"]),
        ({"severity": "medium"}, ["accepted"]),
        ({"affects": "customers"}, ["open", "addressing"]),
        ({"affects": "internal"}, ["accepted"]),
        ({"department_id": "north"}, ["open", "removed"]),
        ({"department_id": "south"}, ["addressing"]),
        ({"team_id": "team"}, ["open", "removed"]),
        ({"team_id": "team", "status": "unresolved"}, ["open"]),
        ({"q": "WIFI"}, ["open"]),
        ({"q": "newcomers"}, ["addressing"]),  # the description counts too
        ({"q": "Shelf"}, ["removed"]),
        ({"q": "nothing like it"}, []),
    ],
)
def test_register_filters(register, filters, expected):
    filters = {k: register.refs.get(v, v) for k, v in filters.items()}
    assert names(register, **filters) == expected


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("oldest", ["open", "addressing", "removed", "accepted"]),
        ("newest", ["accepted", "removed", "addressing", "open"]),
        ("severity", ["addressing", "removed", "accepted", "open"]),
        ("no such sort", ["open", "addressing", "removed", "accepted"]),
    ],
)
def test_register_sorts(register, sort, expected):
    assert names(register, sort=sort) == expected


@pytest.mark.parametrize("q, match", [("100%", "100% of holds are late"), ("a_b", "a_b sorter")])
def test_search_takes_percent_and_underscore_literally(staff, q, match):
    for title in ("100% of holds are late", "1000 holds are late", "a_b sorter", "axb sorter"):
        report(staff, title=title)
    found = db.session.scalars(queries.register_query(queries.BarrierFilter(q=q))).unique()
    assert [b.title for b in found] == [match]


def test_search_takes_a_backslash_literally(staff):
    report(staff, title=r"Path C:\temp is full")
    report(staff, title="Path C:temp is full")
    found = db.session.scalars(queries.register_query(queries.BarrierFilter(q=r":\t"))).unique()
    assert [b.title for b in found] == [r"Path C:\temp is full"]


def test_filters_keep_their_values_as_arguments():
    f = queries.BarrierFilter(status="open", team_id=3, q="wifi")
    assert f.as_args() == {"status": "open", "team_id": 3, "q": "wifi", "sort": "oldest"}


def test_facet_counts_honour_the_other_filters_but_not_their_own(register):
    counts = queries.facet_counts(queries.BarrierFilter(category="process"))
    # Its own dimension shows every category, so one can switch.
    assert counts["category"] == {
        "technology": 1,
        "communication": 1,
        "process": 1,
        "facilities": 1,
    }
    # The others count process barriers only.
    assert counts["severity"] == {"high": 1}
    assert counts["affects"] == {"staff": 1}
    assert counts["department_id"] == {register.refs["north"]: 1}
    assert counts["team_id"] == {register.refs["team"]: 1}
    assert counts["status"] == {"removed": 1, "unresolved": 0, "closed": 1, "": 1}


def test_status_counts_ignore_the_status_filter_and_add_the_pseudo_statuses(register):
    counts = queries.facet_counts(queries.BarrierFilter(status="unresolved"))
    assert counts["status"] == {
        "open": 1,
        "addressing": 1,
        "removed": 1,
        "accepted": 1,
        "unresolved": 2,
        "closed": 2,
        "": 4,
    }
    assert counts["severity"] == {"low": 1, "critical": 1}
    assert counts["team_id"] == {register.refs["team"]: 1}  # no team is not a value
    assert counts["department_id"] == {register.refs["north"]: 1, register.refs["south"]: 1}


def test_facet_counts_honour_the_search_too(register):
    counts = queries.facet_counts(queries.BarrierFilter(q="wifi"))
    assert counts["category"] == {"technology": 1}
    assert counts["status"][""] == 1


def test_filter_choices_list_only_departments_and_teams_with_barriers(register, staff):
    make_team(staff, name="Idle Team")
    DepartmentFactory(name="Empty Branch")
    departments, teams = queries.filter_choices()
    assert [d.name for d in departments] == ["North Branch", "South Branch"]
    assert [t.name for t in teams] == ["Desk Team"]


def test_filter_choices_are_cached_until_a_barrier_or_team_changes(register, staff):
    queries.filter_choices()  # now cached
    idle = make_team(staff, name="Idle Team")
    report(staff, team_id=idle.id)
    assert [t.name for t in queries.filter_choices()[1]] == ["Desk Team", "Idle Team"]
    idle.name = "Busy Team"
    db.session.commit()
    assert [t.name for t in queries.filter_choices()[1]] == ["Busy Team", "Desk Team"]


# --- Queries: actions ---------------------------------------------------------------------------


@pytest.fixture
def my_work(staff, team, member, member2):
    """Mo's actions in a scrambled order, some finished, and one of Mia's."""
    today = date.today()
    barrier = report(staff, team_id=team.id)
    made = {}
    for name, due in (
        ("undated", None),
        ("later", today + timedelta(days=20)),
        ("soon", today + timedelta(days=2)),
        ("overdue", today - timedelta(days=3)),
        ("long overdue", today - timedelta(days=10)),
    ):
        made[name] = log(member, barrier, description=name, due_on=due)
    done = log(member, barrier, description="done", due_on=today - timedelta(days=5))
    update(member, done, status="done", outcome="Did it.")
    dropped = log(member, barrier, description="dropped", due_on=today - timedelta(days=5))
    update(member, dropped, status="dropped")
    made["doing"] = log(member, barrier, description="doing", due_on=today + timedelta(days=5))
    update(member, made["doing"], status="doing")
    log(member2, barrier, description="Mia's", due_on=today - timedelta(days=30))
    return SimpleNamespace(today=today, barrier=barrier, ids={k: a.id for k, a in made.items()})


def test_my_actions_put_overdue_first_then_due_soon_then_undated(my_work, member):
    mine = queries.my_actions(member)
    assert [a.description for a in mine] == [
        "long overdue",
        "overdue",
        "soon",
        "doing",
        "later",
        "undated",
    ]
    assert [a.description for a in queries.my_actions(member, limit=2)] == [
        "long overdue",
        "overdue",
    ]
    assert [a.is_overdue(my_work.today) for a in mine] == [True, True, False, False, False, False]


def test_my_actions_are_empty_for_someone_with_none(my_work, outsider):
    assert queries.my_actions(outsider) == []


def test_my_finished_actions(my_work, member):
    assert {a.description for a in queries.my_finished_actions(member)} == {"done", "dropped"}


def test_actions_query_finds_the_overdue(my_work, member2):
    overdue = db.session.scalars(
        queries.actions_query(queries.ActionFilter(overdue=True), today=my_work.today)
    ).unique()
    assert [a.description for a in overdue] == ["Mia's", "long overdue", "overdue"]
    mine = db.session.scalars(
        queries.actions_query(
            queries.ActionFilter(owner_id=member2.id, overdue=False), today=my_work.today
        )
    ).unique()
    assert list(mine) == []
    not_overdue = db.session.scalars(
        queries.actions_query(queries.ActionFilter(overdue=False), today=my_work.today)
    ).unique()
    assert {a.description for a in not_overdue} == {
        "soon",
        "doing",
        "later",
        "undated",
        "done",
        "dropped",
    }


def test_an_action_due_today_is_not_overdue(staff, team):
    today = date.today()
    log(staff, report(staff, team_id=team.id), due_on=today)
    stmt = queries.actions_query(queries.ActionFilter(overdue=True), today=today)
    assert db.session.scalars(stmt).unique().all() == []
    stmt = queries.actions_query(queries.ActionFilter(overdue=True), today=today + timedelta(1))
    assert len(db.session.scalars(stmt).unique().all()) == 1


def test_actions_query_filters_by_status_and_subject(my_work, staff, team):
    other = log(staff, report(staff, team_id=team.id, title="Another one"))
    stmt = queries.actions_query(queries.ActionFilter(status="doing"))
    assert [a.description for a in db.session.scalars(stmt).unique()] == ["doing"]
    stmt = queries.actions_query(queries.ActionFilter(barrier_id=other.barrier_id))
    assert [a.id for a in db.session.scalars(stmt).unique()] == [other.id]


def test_actions_of_a_team_and_an_initiative(staff, team, member):
    initiative = initiative_of(team, staff)
    linked = report(staff, initiative_id=initiative.id)
    on_initiative = log(member, initiative=initiative, description="On the initiative")
    on_barrier = log(member, linked, description="On its barrier")
    elsewhere = log(staff, report(staff, team_id=team.id), description="Elsewhere")
    assert {a.id for a in queries.actions_of_initiative(initiative.id)} == {
        on_initiative.id,
        on_barrier.id,
    }
    assert {a.id for a in queries.actions_of_barrier(linked.id)} == {on_barrier.id}
    update(staff, elsewhere, status="dropped")
    assert {a.id for a in queries.team_actions(team.id)} == {on_initiative.id, on_barrier.id}


def test_barriers_for_a_team_put_unresolved_first_worst_first(register):
    found = queries.barriers_for(team_id=register.refs["team"])
    by_id = {v: k for k, v in register.ids.items()}
    assert [by_id[b.id] for b in found] == ["open", "removed"]


# --- Queries: you said, we did; history; similar; CSV -------------------------------------------


def test_you_said_we_did_lists_my_barriers_closed_lately(outsider, staff, team):
    recent = report(outsider, team_id=team.id, title="Recent")
    latest = report(outsider, team_id=team.id, title="Latest")
    old = report(outsider, team_id=team.id, title="Old")
    report(outsider, team_id=team.id, title="Still open")
    someone_elses = report(staff, team_id=team.id, title="Someone else's")
    for b in (recent, latest, old, someone_elses):
        resolve(staff, b)
    now = utcnow()
    db.session.get(Barrier, recent.id).resolved_at = now - timedelta(days=2)
    db.session.get(Barrier, old.id).resolved_at = now - timedelta(days=31)
    db.session.commit()
    assert [b.title for b in queries.you_said_we_did(outsider)] == ["Latest", "Recent"]
    assert [b.title for b in queries.you_said_we_did(outsider, days=60)] == [
        "Latest",
        "Recent",
        "Old",
    ]


def test_a_reopened_barrier_leaves_you_said_we_did(outsider, staff, team):
    barrier = report(outsider, team_id=team.id)
    resolve(staff, barrier)
    assert [b.id for b in queries.you_said_we_did(outsider)] == [barrier.id]
    reopen(outsider, barrier)
    assert queries.you_said_we_did(outsider) == []


def test_history_includes_the_events_of_its_actions(staff, team, member):
    barrier = report(staff, team_id=team.id)
    action = log(member, barrier)
    update(member, action, status="done", outcome="Called.")
    resolve(staff, barrier)
    other = report(staff, team_id=team.id, title="Another barrier")
    log(member, other)
    events = queries.history(fresh(barrier))
    assert [e.verb for e in events] == [
        "reported_barrier",
        "logged_action",
        "completed_action",
        "resolved_barrier",
    ]
    assert [e.actor.name for e in events] == ["Sam Staff", "Mo Member", "Mo Member", "Sam Staff"]
    assert describe(events[2]) == "marked the action “Call the vendor” done"


def test_similar_open_finds_shared_words_and_skips_closed_ones(staff, team, leader):
    jams = report(staff, title="Printer jams in the library")
    toner = report(staff, title="Printer out of toner")
    report(staff, title="Wifi drops at noon")
    broken = report(staff, title="Printer broken", team_id=team.id)
    resolve(staff, broken)
    found = services.similar_open("The printer jams again")
    assert [b.id for b in found] == [jams.id, toner.id]  # most shared words first
    assert [b.id for b in services.similar_open("printer jams", exclude_id=jams.id)] == [toner.id]
    assert services.similar_open("the and for") == []
    assert services.similar_open("") == []
    assert len(services.similar_open("printer", limit=1)) == 1


def test_similar_open_ranks_worse_barriers_first_among_equals(staff):
    low = report(staff, title="Desk queue long", severity="low")
    high = report(staff, title="Desk phone dead", severity="critical")
    assert [b.id for b in services.similar_open("desk")] == [high.id, low.id]


def test_csv_has_a_header_and_one_line_per_barrier(register, staff):
    report(staff, title='=HYPERLINK("http://evil")', description="-1+1")
    lines = list(
        queries.csv_lines(queries.BarrierFilter(), lambda i: f"http://x/barriers/{i}", batch=2)
    )
    assert len(lines) == 1 + 5
    assert lines[0].startswith("\ufeff")
    assert all(line.endswith("\r\n") for line in lines)
    rows = list(csv.reader(io.StringIO("".join(lines).removeprefix("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert tuple(header) == queries.CSV_COLUMNS
    as_dicts = [dict(zip(header, row, strict=True)) for row in body]
    assert [int(r["id"]) for r in as_dicts[:4]] == [
        register.ids[n] for n in ("open", "addressing", "removed", "accepted")
    ]
    first = as_dicts[0]
    assert first["title"] == "Slow wifi in the branch"
    assert (first["department"], first["team"], first["reported_by"]) == (
        "North Branch",
        "Desk Team",
        "Oz Outsider",
    )
    assert first["url"] == f"http://x/barriers/{register.ids['open']}"
    assert first["resolved_at"] == "" and float(first["days_open"]) >= 4
    removed = as_dicts[2]
    assert removed["status"] == "removed" and removed["resolved_at"].endswith("UTC")
    assert removed["resolution"] == "The vendor replaced the printers."
    evil = as_dicts[4]
    assert evil["title"] == '\'=HYPERLINK("http://evil")'
    assert evil["description"] == "'-1+1"


def test_csv_follows_the_filter(register):
    lines = list(
        queries.csv_lines(queries.BarrierFilter(status="closed", sort="newest"), lambda i: "")
    )
    rows = list(csv.reader(io.StringIO("".join(lines).removeprefix("\ufeff"))))
    assert [int(r[0]) for r in rows[1:]] == [register.ids["accepted"], register.ids["removed"]]


# --- Query counts -------------------------------------------------------------------------------


def _bulk(n, *, owner, team, reporter, start):
    """``n`` barriers, each with its own new department and an action ``owner`` owns: quickly."""
    departments = [DepartmentFactory.build(name=f"Bulk {start + i}") for i in range(n)]
    db.session.add_all(departments)
    db.session.flush()
    severities = list(Severity)
    now = utcnow()
    barriers = []
    for i in range(n):
        severity = severities[i % 4]
        barriers.append(
            Barrier(
                title=f"Bulk barrier {start + i}",
                category="process",
                affects="customers",
                severity=severity.value,
                severity_rank=severity.rank,
                source="survey",
                status="open" if i % 3 else "addressing",
                reported_by_id=reporter.id,
                team_id=team.id if i % 2 else None,
                department_id=departments[i].id,
                reported_at=now - timedelta(minutes=start + i),
            )
        )
    db.session.add_all(barriers)
    db.session.flush()
    db.session.add_all(
        Action(
            barrier_id=b.id,
            description=f"Fix {b.title}",
            owner_id=owner.id,
            created_by_id=owner.id,
            due_on=date.today() + timedelta(days=(i % 40) - 20) if i % 5 else None,
            status="planned",
        )
        for i, b in enumerate(barriers)
    )
    db.session.commit()


def test_register_and_my_actions_run_a_fixed_number_of_queries(
    staff, team, member, outsider, count_queries
):
    f = queries.BarrierFilter(status="unresolved", sort="severity")

    def register_page():
        db.session.expire_all()
        rows = db.session.scalars(queries.register_query(f)).unique().all()
        shown = [
            (
                b.title,
                b.team.name if b.team else "",
                b.department.name if b.department else "",
                b.reported_by.name if b.reported_by else "",
                b.initiative.title if b.initiative else "",
            )
            for b in rows
        ]
        queries.facet_counts(f)
        return shown

    def my_actions_page():
        db.session.expire_all()
        return [
            (a.description, a.owner.name, a.barrier.title, a.barrier.status)
            for a in queries.my_actions(member)
        ]

    _bulk(10, owner=member, team=team, reporter=outsider, start=0)
    small = (count_queries(register_page), count_queries(my_actions_page))
    assert len(register_page()) == 10 and len(my_actions_page()) == 10
    _bulk(990, owner=member, team=team, reporter=outsider, start=10)
    large = (count_queries(register_page), count_queries(my_actions_page))
    assert len(register_page()) == 1000 and len(my_actions_page()) == 1000
    assert small == large, f"{small} queries with 10 barriers, {large} with 1,000"
    assert large[0] <= 7 and large[1] <= 4


# --- Saved meanwhile: a write that lands between loading and saving ----------------------------


def saved_meanwhile(model, row_id, **values):
    """Another request commits a change to the row (bumping its version) on its own connection."""
    table = model.__table__
    with db.engine.begin() as conn:
        conn.execute(
            table.update().where(table.c.id == row_id).values(version=table.c.version + 1, **values)
        )


def test_an_edit_racing_another_save_is_stale(staff):
    barrier = fresh(report(staff))
    version = barrier.version
    saved_meanwhile(Barrier, barrier.id, title="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.edit_barrier(staff, barrier, same_as(barrier, title="Mine"), version)
    assert raised.value.current.title == "Theirs"
    assert fresh(barrier).title == "Theirs"


def test_a_resolve_racing_another_save_is_stale(staff, team, mailbox, run_jobs):
    barrier = fresh(report(UserFactory(), team_id=team.id))
    version = barrier.version
    saved_meanwhile(Barrier, barrier.id, title="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.resolve_barrier(staff, barrier, "removed", "Done.", version)
    assert raised.value.current.title == "Theirs"
    assert fresh(barrier).status == "open"
    assert "resolved_barrier" not in verbs_of(barrier)
    run_jobs()
    assert [m for m in mailbox.messages if "Theirs" in m["Subject"]] == []


def test_a_reopen_racing_another_save_is_stale(staff, team):
    barrier = report(staff, team_id=team.id)
    resolve(staff, barrier)
    barrier = fresh(barrier)
    version = barrier.version
    saved_meanwhile(Barrier, barrier.id, resolution="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.reopen_barrier(staff, barrier, "Back again.", version)
    assert raised.value.current.resolution == "Theirs"
    assert fresh(barrier).status == "removed"


def test_an_action_update_racing_another_save_is_stale(staff, team):
    action = services.get_action(log(staff, report(staff, team_id=team.id)).id)
    version = action.version
    saved_meanwhile(Action, action.id, description="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.update_action(
            staff, action, services.change_for(action, description="Mine"), version
        )
    assert raised.value.current.description == "Theirs"
    assert services.get_action(action.id).description == "Theirs"


def test_logging_an_action_while_the_barrier_is_saved_meanwhile_is_stale(staff, team):
    barrier = fresh(report(staff, team_id=team.id))
    saved_meanwhile(Barrier, barrier.id, title="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.log_action(staff, services.ActionDetails("Call the vendor"), barrier=barrier)
    assert raised.value.current.title == "Theirs"
    assert db.session.query(Action).count() == 0
    assert fresh(barrier).status == "open"


def test_an_action_on_a_barrier_and_an_unrelated_initiative_is_refused(app):
    """Otherwise a member of one team could file an action under another team's initiative."""
    from teams_app.barriers import services as svc
    from teams_app.initiatives import services as initiatives
    from tests.factories import UserFactory, make_team

    mine_lead, other_lead = UserFactory(), UserFactory()
    mine, other = make_team(mine_lead, name="Mine"), make_team(other_lead, name="Other")
    barrier = svc.report_barrier(
        mine_lead,
        svc.BarrierDetails(
            title="Ours",
            category="process",
            affects="staff",
            severity="low",
            source="staff",
            team_id=mine.id,
        ),
    )
    theirs = initiatives.create_initiative(other_lead, other, initiatives.Details(title="Theirs"))
    with pytest.raises(InvalidInput) as refused:
        svc.log_action(
            mine_lead,
            svc.ActionDetails("Sneaky"),
            barrier=svc.get_barrier(barrier.id),
            initiative=initiatives.get_initiative(theirs.id),
        )
    assert "initiative_id" in refused.value.fields
    assert db.session.query(Action).count() == 0


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
