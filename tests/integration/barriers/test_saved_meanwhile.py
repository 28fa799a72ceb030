"""Saved meanwhile: a write that lands between loading and saving is stale."""

from __future__ import annotations

import pytest

from teams_app.barriers import services
from teams_app.extensions import db
from teams_app.models import Action, Barrier
from teams_app.versioning import StaleEdit
from tests.factories import UserFactory
from tests.integration.barriers.helpers import (
    fresh,
    log,
    report,
    resolve,
    same_as,
    verbs_of,
)

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


def test_a_resolve_racing_another_save_is_stale(staff, team_of_three, mailbox, run_jobs):
    barrier = fresh(report(UserFactory(), team_id=team_of_three.id))
    version = barrier.version
    saved_meanwhile(Barrier, barrier.id, title="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.resolve_barrier(staff, barrier, "removed", "Done.", version)
    assert raised.value.current.title == "Theirs"
    assert fresh(barrier).status == "open"
    assert "resolved_barrier" not in verbs_of(barrier)
    run_jobs()
    assert [m for m in mailbox.messages if "Theirs" in m["Subject"]] == []


def test_a_reopen_racing_another_save_is_stale(staff, team_of_three):
    barrier = report(staff, team_id=team_of_three.id)
    resolve(staff, barrier)
    barrier = fresh(barrier)
    version = barrier.version
    saved_meanwhile(Barrier, barrier.id, resolution="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.reopen_barrier(staff, barrier, "Back again.", version)
    assert raised.value.current.resolution == "Theirs"
    assert fresh(barrier).status == "removed"


def test_an_action_update_racing_another_save_is_stale(staff, team_of_three):
    action = services.get_action(log(staff, report(staff, team_id=team_of_three.id)).id)
    version = action.version
    saved_meanwhile(Action, action.id, description="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.update_action(
            staff, action, services.change_for(action, description="Mine"), version
        )
    assert raised.value.current.description == "Theirs"
    assert services.get_action(action.id).description == "Theirs"


def test_logging_an_action_while_the_barrier_is_saved_meanwhile_is_stale(staff, team_of_three):
    barrier = fresh(report(staff, team_id=team_of_three.id))
    saved_meanwhile(Barrier, barrier.id, title="Theirs")
    with pytest.raises(StaleEdit) as raised:
        services.log_action(staff, services.ActionDetails("Call the vendor"), barrier=barrier)
    assert raised.value.current.title == "Theirs"
    assert db.session.query(Action).count() == 0
    assert fresh(barrier).status == "open"
