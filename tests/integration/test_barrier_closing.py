"""Closing a barrier settles each open action (finish, drop with the resolution, or keep it going
on the barrier's initiative), so nobody is left owning an action they cannot change; reopening
offers the dropped ones back. Past due dates are refused for new actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from teams_app.barriers import queries, services
from teams_app.errors import Conflict, InvalidInput
from teams_app.extensions import db
from teams_app.initiatives.services import Details, create_initiative
from teams_app.models import Action, Barrier
from tests.conftest import csrf_from
from tests.factories import UserFactory, make_team


@pytest.fixture
def owner(app):
    return UserFactory(name="Oli Owner")


@pytest.fixture
def owners_team(staff, owner):
    """Sam Staff leads it; Oli is a member who owns the actions."""
    return make_team(staff, name="Desk Team", members=(owner,))


@pytest.fixture
def initiative(staff, owners_team):
    return create_initiative(staff, owners_team, Details(title="Desk rota"))


def barrier_with_actions(lead, team, initiative=None, *, owner, n=2):
    barrier = services.report_barrier(
        lead,
        services.BarrierDetails(
            title="Printers jam on Mondays",
            category="technology",
            affects="customers",
            severity="high",
            source="staff",
            team_id=team.id,
            initiative_id=initiative.id if initiative else None,
        ),
    )
    actions = [
        services.log_action(
            lead,
            services.ActionDetails(f"Step {i}", owner.id),
            barrier=services.get_barrier(barrier.id),
        )
        for i in range(1, n + 1)
    ]
    return services.get_barrier(barrier.id), actions


def fresh_action(action):
    db.session.expire_all()
    return db.session.get(Action, action.id)


def test_closing_with_open_actions_needs_a_choice_for_each_and_changes_nothing(
    staff, owners_team, owner
):
    barrier, (first, second) = barrier_with_actions(staff, owners_team, owner=owner)
    with pytest.raises(InvalidInput) as refused:
        services.resolve_barrier(staff, barrier, "removed", "Fixed.", fates={str(first.id): "done"})
    assert "Step 2" in refused.value.fields["open_actions"][0]
    assert services.get_barrier(barrier.id).status == "addressing"
    assert fresh_action(first).status == "planned"


def test_each_open_action_is_finished_dropped_or_moved_to_the_initiative(
    staff, owners_team, owner, initiative
):
    barrier, (done, dropped, moved) = barrier_with_actions(
        staff, owners_team, initiative, owner=owner, n=3
    )
    services.resolve_barrier(
        staff,
        barrier,
        "removed",
        "New toner supplier.",
        fates={str(done.id): "done", str(dropped.id): "dropped", str(moved.id): "initiative"},
    )
    done, dropped, moved = (fresh_action(a) for a in (done, dropped, moved))
    assert (done.status, done.outcome, done.done_at is not None) == (
        "done",
        "New toner supplier.",
        True,
    )
    assert (dropped.status, dropped.outcome) == ("dropped", "New toner supplier.")
    assert (moved.status, moved.initiative_id, moved.barrier_id) == (
        "planned",
        initiative.id,
        barrier.id,
    )
    # The moved action goes on: still on its owner's list, and its owner can finish it.
    assert [a.id for a in queries.my_actions(owner)] == [moved.id]
    change = services.change_for(moved, status="done", outcome="Rota agreed.")
    assert services.update_action(owner, moved, change, moved.version).status == "done"


def test_all_open_actions_can_share_one_choice(staff, owners_team, owner):
    barrier, actions = barrier_with_actions(staff, owners_team, owner=owner)
    services.resolve_barrier(
        staff, barrier, "accepted", "We live with it.", fates={"all": "dropped"}
    )
    assert {fresh_action(a).status for a in actions} == {"dropped"}
    assert queries.my_actions(owner) == []


def test_moving_needs_an_initiative_of_an_active_team(staff, owners_team, owner):
    barrier, (action, _) = barrier_with_actions(staff, owners_team, owner=owner)
    with pytest.raises(InvalidInput) as refused:
        services.resolve_barrier(staff, barrier, "removed", "Done.", fates={"all": "initiative"})
    assert "not linked to one" in refused.value.fields["open_actions"][0]


def test_an_action_left_on_a_closed_barrier_cannot_change_until_it_reopens(
    staff, owners_team, owner
):
    barrier, (action, _) = barrier_with_actions(staff, owners_team, owner=owner)
    services.resolve_barrier(staff, barrier, "removed", "Done.", fates={"all": "dropped"})
    action = fresh_action(action)
    assert action.is_frozen
    with pytest.raises(Conflict):
        services.update_action(owner, action, services.change_for(action), action.version)


def test_reopening_brings_back_the_dropped_actions_chosen(staff, owners_team, owner):
    barrier, (back, gone) = barrier_with_actions(staff, owners_team, owner=owner)
    services.resolve_barrier(staff, barrier, "removed", "Done.", fates={"all": "dropped"})
    closed = services.get_barrier(barrier.id)
    assert [a.id for a in services.dropped_actions(closed)] == [back.id, gone.id]
    reopened = services.reopen_barrier(staff, closed, "Jammed again.", restore=[back.id])
    assert reopened.status == "addressing"
    assert (fresh_action(back).status, fresh_action(back).outcome) == ("planned", None)
    assert fresh_action(gone).status == "dropped"
    with pytest.raises(InvalidInput):
        services.reopen_barrier(
            staff,
            services.resolve_barrier(
                staff, services.get_barrier(barrier.id), "removed", "Again.", fates={"all": "done"}
            ),
            "Back.",
            restore=[999999],
        )


def test_a_new_action_due_in_the_past_is_refused(staff, owners_team, owner):
    barrier, _ = barrier_with_actions(staff, owners_team, owner=owner, n=0)
    yesterday = services.today_for(staff) - timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        services.log_action(
            staff, services.ActionDetails("Call IT", owner.id, yesterday), barrier=barrier
        )
    assert "has passed" in refused.value.fields["due_on"][0]
    today = services.log_action(
        staff,
        services.ActionDetails("Call IT", owner.id, services.today_for(staff)),
        barrier=services.get_barrier(barrier.id),
    )
    assert today.due_on == services.today_for(staff)


def test_an_overdue_action_keeps_its_date_but_cannot_move_to_another_past_one(
    staff, owners_team, owner
):
    barrier, (action, _) = barrier_with_actions(staff, owners_team, owner=owner)
    past = services.today_for(staff) - timedelta(days=10)
    db.session.execute(Action.__table__.update().where(Action.id == action.id).values(due_on=past))
    db.session.commit()
    action = services.get_action(action.id)
    kept = services.update_action(
        owner, action, services.change_for(action, status="doing"), action.version
    )
    assert (kept.status, kept.due_on) == ("doing", past)
    with pytest.raises(InvalidInput):
        services.update_action(
            owner, kept, services.change_for(kept, due_on=past - timedelta(days=1)), kept.version
        )


# --- Pages and API ------------------------------------------------------------------------------


def test_the_close_form_asks_about_each_open_action_and_keeps_the_note(
    client, login_as, staff, owners_team, owner, initiative
):
    barrier, (first, second) = barrier_with_actions(staff, owners_team, initiative, owner=owner)
    login_as(staff)
    page = client.get(f"/barriers/{barrier.id}").get_data(as_text=True)
    assert "2 open actions" in page
    for action in (first, second):
        for fate in ("done", "dropped", "initiative"):
            assert f'id="fate-{action.id}-{fate}"' in page
    token = csrf_from(client, f"/barriers/{barrier.id}")
    form = {
        "csrf_token": token,
        "outcome": "removed",
        "resolution": "New supplier.",
        "version": str(barrier.version),
        f"fate-{first.id}": "done",
    }
    refused = client.post(f"/barriers/{barrier.id}/resolve", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Say what happens to the open action “Step 2”" in html and "New supplier." in html
    assert f'id="fate-{first.id}-done" value="done" checked' in html
    form[f"fate-{second.id}"] = "initiative"
    closed = client.post(f"/barriers/{barrier.id}/resolve", data=form)
    assert closed.status_code == 302
    assert fresh_action(first).status == "done" and fresh_action(second).initiative_id


def test_the_api_close_asks_for_open_actions_too(api_as, staff, owners_team, owner):
    barrier, (first, second) = barrier_with_actions(staff, owners_team, owner=owner)
    api = api_as(staff)
    past = (services.today_for(staff) - timedelta(days=2)).isoformat()
    late = api.post(
        "/actions", json={"description": "Late", "barrier_id": barrier.id, "due_on": past}
    )
    assert late.status_code == 422 and "due_on" in late.get_json()["error"]["fields"]
    body = {"status": "removed", "resolution": "Fixed.", "version": barrier.version}
    refused = api.patch(f"/barriers/{barrier.id}", json=body)
    assert refused.status_code == 422
    assert "open_actions" in refused.get_json()["error"]["fields"]
    closed = api.patch(f"/barriers/{barrier.id}", json={**body, "open_actions": {"all": "done"}})
    assert closed.status_code == 200, closed.get_json()
    assert {a["status"] for a in closed.get_json()["actions"]} == {"done"}
    reopened = api.patch(
        f"/barriers/{barrier.id}",
        json={
            "status": "open",
            "reason": "Back.",
            "version": closed.get_json()["version"],
            "restore_actions": [first.id],
        },
    )
    assert reopened.status_code == 422  # only dropped actions come back


def test_stranded_actions_are_dropped_by_the_migration(app, staff, owners_team, owner):
    from flask_migrate import downgrade, upgrade

    barrier, _ = barrier_with_actions(staff, owners_team, owner=owner)
    barrier_id = barrier.id
    # How closing used to leave them: the barrier closed, its action still planned.
    db.session.execute(
        Barrier.__table__.update().where(Barrier.id == barrier_id).values(status="removed")
    )
    db.session.commit()
    db.session.remove()
    downgrade(revision="a0ad5ae27e65")
    upgrade()
    statuses = set(db.session.scalars(select(Action.status).where(Action.barrier_id == barrier_id)))
    assert statuses == {"dropped"}
