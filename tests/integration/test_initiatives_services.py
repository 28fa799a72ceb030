"""The rules of initiatives, tested through the service functions."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from teams_app.errors import Conflict, InvalidInput, NotAllowed
from teams_app.extensions import db
from teams_app.initiatives import pipeline, services
from teams_app.markdown_text import render
from teams_app.models import Activity, StageChange, utcnow
from teams_app.versioning import StaleEdit
from tests.factories import UserFactory


def stage(name):
    return next(s for s in pipeline.stages() if s.name == name)


def new(team, actor, **kw):
    return services.create_initiative(
        actor, team, services.Details(title=kw.pop("title", "Yes list"), **kw)
    )


def test_the_pipeline_comes_from_the_migration(app):
    assert [(s.name, s.kind) for s in pipeline.stages()] == pipeline.DEFAULT_PIPELINE


def test_member_adds_an_initiative_in_the_first_open_stage(team, staff):
    initiative = new(team, staff, summary="One page.", target_date=date(2027, 3, 31))
    assert initiative.stage.name == "Idea" and initiative.owner_id == staff.id
    assert initiative.health == "on_track"
    [change] = services.history(initiative)
    assert change.from_stage_id is None and change.to_stage.name == "Idea"


def test_non_members_cannot_add_and_owner_must_be_a_member(team, staff):
    outsider = UserFactory()
    with pytest.raises(NotAllowed):
        new(team, outsider)
    with pytest.raises(InvalidInput) as raised:
        new(team, staff, owner_id=outsider.id)
    assert "owner_id" in raised.value.fields


def test_forward_skips_are_allowed_and_done_sets_completion(team, staff):
    initiative = new(team, staff)
    initiative = services.move_initiative(staff, initiative, stage("Pilot").id)
    assert initiative.stage.name == "Pilot" and initiative.completed_at is None
    initiative = services.move_initiative(staff, initiative, stage("Done").id)
    assert initiative.completed_at is not None
    initiative = services.move_initiative(staff, initiative, stage("Sustain").id, note="Reopened")
    assert initiative.completed_at is None


@pytest.mark.parametrize("target", ["Idea", "Stopped"])
def test_moving_back_or_stopping_needs_a_note(team, staff, target):
    initiative = services.move_initiative(staff, new(team, staff), stage("Plan").id)
    with pytest.raises(InvalidInput) as raised:
        services.move_initiative(staff, initiative, stage(target).id)
    assert "note" in raised.value.fields
    moved = services.move_initiative(
        staff, services.get_initiative(initiative.id), stage(target).id, note="Why"
    )
    assert moved.stage.name == target
    assert services.history(moved)[-1].note == "Why"


def test_refused_moves_change_nothing(team, staff):
    initiative = new(team, staff)
    member = next(u for u in (m.user for m in team.active_memberships()) if u.id != staff.id)
    with pytest.raises(Conflict, match="already in Idea"):
        services.move_initiative(staff, initiative, stage("Idea").id)
    with pytest.raises(InvalidInput):
        services.move_initiative(staff, initiative, 999999)
    with pytest.raises(NotAllowed):
        services.move_initiative(member, initiative, stage("Plan").id)
    with pytest.raises(Conflict, match="meanwhile"):
        services.move_initiative(
            staff, initiative, stage("Plan").id, from_stage_id=stage("Pilot").id
        )
    assert services.get_initiative(initiative.id).stage.name == "Idea"
    assert len(services.history(initiative)) == 1


def test_owner_may_move_their_initiative(team, staff):
    member = next(m.user for m in team.active_memberships() if m.user_id != staff.id)
    initiative = new(team, staff, owner_id=member.id)
    assert (
        services.move_initiative(member, initiative, stage("Discover").id).stage.name == "Discover"
    )


def test_two_simultaneous_moves_make_exactly_one_move(app, team, staff):
    initiative_id = new(team, staff).id
    idea, results = stage("Idea").id, []
    targets = [stage("Discover").id, stage("Plan").id]
    barrier = threading.Barrier(2)

    def move(to_stage_id):
        with app.app_context():
            actor = db.session.get(type(staff), staff.id)
            initiative = services.get_initiative(initiative_id)
            barrier.wait(timeout=10)
            try:
                services.move_initiative(actor, initiative, to_stage_id, from_stage_id=idea)
                results.append("moved")
            except services.MovedMeanwhile as exc:
                results.append(f"refused: {exc.message}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=move, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.split(":")[0] for r in results) == ["moved", "refused"]
    assert "meanwhile" in next(r for r in results if r.startswith("refused"))
    db.session.expire_all()
    changes = db.session.query(StageChange).filter_by(initiative_id=initiative_id).count()
    assert changes == 2  # creation + exactly one move


def test_updates_set_health_and_remember_what_changed(team, staff):
    initiative = new(team, staff)
    first = services.post_update(staff, initiative, "on_track", "Started.")
    assert first.previous_health is None
    services.move_initiative(staff, services.get_initiative(initiative.id), stage("Plan").id)
    second = services.post_update(
        staff, services.get_initiative(initiative.id), "at_risk", "Budget unclear."
    )
    assert (second.previous_health, second.health) == ("on_track", "at_risk")
    assert second.previous_stage.name == "Idea" and second.stage.name == "Plan"
    assert services.get_initiative(initiative.id).health == "at_risk"


@pytest.mark.parametrize(
    "health, body, field", [("great", "x", "health"), ("on_track", " ", "body")]
)
def test_bad_updates_are_refused(team, staff, health, body, field):
    initiative = new(team, staff)
    with pytest.raises(InvalidInput) as raised:
        services.post_update(staff, initiative, health, body)
    assert field in raised.value.fields


def test_stale_after_the_teams_update_interval(team, staff):
    initiative = new(team, staff)
    assert not services.is_stale(initiative)
    later = utcnow() + timedelta(days=15)
    assert services.is_stale(initiative, now=later)
    services.post_update(staff, initiative, "on_track", "Still going.")
    assert not services.is_stale(
        services.get_initiative(initiative.id), now=utcnow() + timedelta(days=13)
    )


def test_edit_with_a_stale_version_is_refused(team, staff):
    initiative = new(team, staff)
    version = initiative.version
    services.edit_initiative(staff, initiative, services.Details(title="First"), version)
    with pytest.raises(StaleEdit):
        services.edit_initiative(
            staff, services.get_initiative(initiative.id), services.Details(title="Second"), version
        )
    assert services.get_initiative(initiative.id).title == "First"


def test_time_in_stage_and_cycle_time(team, staff):
    initiative = new(team, staff)
    services.move_initiative(staff, initiative, stage("Plan").id)
    changes = services.history(services.get_initiative(initiative.id))
    changes[0].at = changes[1].at - timedelta(days=3)
    times = services.time_in_stages(changes, now=changes[1].at + timedelta(days=2))
    assert [(t.stage, t.days) for t in times] == [("Idea", 3.0), ("Plan", 2.0)]


def test_every_change_is_in_the_team_feed(team, staff):
    initiative = new(team, staff)
    services.move_initiative(staff, initiative, stage("Plan").id)
    services.post_update(staff, services.get_initiative(initiative.id), "off_track", "Stuck.")
    verbs = [
        a.verb
        for a in db.session.query(Activity).filter_by(team_id=team.id, subject_type="initiative")
    ]
    assert verbs == ["created_initiative", "moved_initiative", "posted_update"]


def test_markdown_is_rendered_safely():
    html = str(
        render("**yes** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>")
    )
    assert "<strong>yes</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_stage_holding_initiatives_cannot_be_deleted(team, staff, admin):
    new(team, staff)
    with pytest.raises(Conflict, match="holds 1"):
        pipeline.delete_stage(admin, stage("Idea"))
    extra = pipeline.add_stage(admin, "Evaluate", "open")
    pipeline.move_stage(admin, extra, -1)
    assert [s.name for s in pipeline.stages()][-2:] == ["Evaluate", "Stopped"]
    pipeline.rename_stage(admin, extra, "Review", "open")
    pipeline.delete_stage(admin, extra)
    assert "Review" not in [s.name for s in pipeline.stages()]
    with pytest.raises(NotAllowed):
        pipeline.add_stage(staff, "Nope", "open")
