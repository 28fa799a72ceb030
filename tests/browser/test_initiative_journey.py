"""The initiatives journey from the issue, in a real Chromium: drag on the board, the form,
a move back with a note, updates that turn one at risk, badges everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest

from teams_app.extensions import db
from teams_app.initiatives import services
from teams_app.models import Initiative
from tests.browser.conftest import shot, sign_in
from tests.browser.test_board import mouse_drag
from tests.factories import PASSWORD, UserFactory, make_team

pytestmark = pytest.mark.browser


def test_lead_runs_initiatives_through_the_pipeline(app, server, page, api_as):
    lead = UserFactory(name="Priya Shah", level="manager")
    team = make_team(lead, name="Say Yes at the Desk", members=(UserFactory(name="Hannah Lee"),))
    sign_in(page, server, lead.email, PASSWORD)

    for title in ("One-page yes list", "Escalation log", "Desk scripts"):
        page.goto(f"{server}/teams/{team.slug}")
        page.get_by_role("link", name="New initiative").click()
        page.get_by_label("Title").fill(title)
        page.get_by_role("button", name="Add initiative").click()
        page.get_by_text("The initiative is added").wait_for()

    # Drag "One-page yes list" from Idea to Discover on the board.
    page.goto(f"{server}/teams/{team.slug}/board")
    card = page.locator(".board-card", has_text="One-page yes list")
    mouse_drag(page, card, page.locator(".board-column:has(h2:has-text('Discover')) .board-cards"))
    page.locator(
        ".board-column:has(h2:has-text('Discover')) .board-card", has_text="One-page yes list"
    ).wait_for()
    shot(page, "board-after-drag")

    # Plan, then Pilot, with the card's plain Move form.
    for stage in ("Plan", "Pilot"):
        card = page.locator(".board-card", has_text="One-page yes list")
        card.locator("summary").click()
        card.get_by_label("Move to").select_option(label=stage)
        card.get_by_role("button", name="Move", exact=True).click()
        page.get_by_text(f"Moved to {stage}.").wait_for()

    # Move "Escalation log" forward, then back with a note, on its page.
    page.goto(f"{server}/initiatives/")
    page.get_by_role("link", name="Escalation log").click()
    page.get_by_label("Move to").select_option(label="Plan")
    page.get_by_role("button", name="Move", exact=True).click()
    page.get_by_text("Moved to Plan.").wait_for()
    page.get_by_label("Move to").select_option(label="Discover")
    page.get_by_role("button", name="Move", exact=True).click()
    page.get_by_text("Add a note saying why").wait_for()
    page.get_by_label("Move to").select_option(label="Discover")
    page.get_by_label("Note").fill("Need more staff input first.")
    page.get_by_role("button", name="Move", exact=True).click()
    page.get_by_text("Moved to Discover.").wait_for()
    assert "Need more staff input first." in page.locator("#history-h + p + ul + ol").inner_text()

    # Updates turn the yes list at risk.
    yes = db.session.query(Initiative).filter_by(title="One-page yes list").one()
    page.goto(f"{server}/initiatives/{yes.id}")
    page.get_by_label("Health").select_option("on_track")
    page.get_by_label("What happened since the last update?").fill(
        "Pilot starts **Monday** at Moore."
    )
    page.get_by_role("button", name="Post update").click()
    page.get_by_text("Update posted.").wait_for()
    page.get_by_label("Health").select_option("at_risk")
    page.get_by_label("What happened since the last update?").fill(
        "Managers unsure about renewals."
    )
    page.get_by_role("button", name="Post update").click()
    page.get_by_text("health was on track").wait_for()
    shot(page, "initiative-page")

    # "Desk scripts" has had no update for weeks: stale everywhere.
    scripts = db.session.query(Initiative).filter_by(title="Desk scripts").one()
    db.session.execute(
        Initiative.__table__.update()
        .where(Initiative.id == scripts.id)
        .values(update_due_at=services.utcnow() - timedelta(days=2))
    )
    db.session.commit()

    page.goto(f"{server}/teams/{team.slug}/board")
    pilot = page.locator(".board-column:has(h2:has-text('Pilot'))")
    assert "One-page yes list" in pilot.inner_text() and "At risk" in pilot.inner_text()
    assert "Stale" in page.locator(".board-card", has_text="Desk scripts").inner_text()
    shot(page, "board")
    page.goto(f"{server}/initiatives/?stale=yes")
    assert "Desk scripts" in page.locator("table").inner_text()
    page.goto(f"{server}/initiatives/?health=at_risk")
    assert "One-page yes list" in page.locator("table").inner_text()
    shot(page, "initiatives-list")
    page.goto(f"{server}/")
    home = page.locator("#my-initiatives-h").locator("..").inner_text()
    assert "Desk scripts" in home and "Stale" in home and "At risk" in home

    api = api_as(lead)
    body = api.get(f"/initiatives/{yes.id}").get_json()
    assert (body["stage"]["name"], body["health"], body["stale"]) == ("Pilot", "at_risk", False)
    history = api.get(f"/initiatives/{yes.id}/history").get_json()
    assert [h["to_stage"]["name"] for h in history] == ["Idea", "Discover", "Plan", "Pilot"]
    assert api.get(f"/initiatives/{scripts.id}").get_json()["stale"] is True


def test_initiative_pages_on_a_phone(app, server, phone):
    lead = UserFactory(name="Pat Lead")
    team = make_team(lead, name="Phone Team")
    item = services.create_initiative(lead, team, services.Details(title="Holds lockers"))
    services.post_update(lead, item, "at_risk", "Vendor is *late*.")
    sign_in(phone, server, lead.email, PASSWORD)
    phone.goto(f"{server}/initiatives/{item.id}")
    phone.get_by_text("Stage history").wait_for()
    shot(phone, "phone-initiative")
    phone.goto(f"{server}/teams/{team.slug}/board")
    shot(phone, "phone-board")
    phone.goto(f"{server}/initiatives/")
    assert "Holds lockers" in phone.content()
    shot(phone, "phone-initiatives-list")
