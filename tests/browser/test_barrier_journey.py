"""The barriers journey from the issue, in a real Chromium: a frontline report from a customer
survey (with a similar barrier suggested while typing), a lead links it and logs two actions, an
owner finishes theirs with an outcome, the lead closes it as removed, and the reporter sees
"you said, we did" at home and in the mail. The register filters and exports it; the API
agrees."""

from __future__ import annotations

import csv
import io

import pytest

from teams_app.barriers import services as barriers
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.models import Barrier
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, UserFactory, make_team

pytestmark = pytest.mark.browser


def switch(page, server, user):
    """Sign in as ``user`` in a fresh browser context (its own cookie jar): clearing cookies
    races with responses still in flight, which set the session cookie again."""
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    fresh = context.new_page()
    page.context.close()
    sign_in(fresh, server, user.email, PASSWORD)
    return fresh


def test_barrier_reported_worked_and_closed_with_the_reporter(
    app, server, page, api_as, mailbox, run_jobs
):
    fran = UserFactory(name="Fran Frontline", email="fran@library.example", level="frontline")
    lead = UserFactory(name="Priya Shah", level="manager")
    owner = UserFactory(name="Hannah Lee")
    team = make_team(lead, name="Creating Positive Experiences", members=(owner,))
    initiative = initiatives.create_initiative(
        lead, team, initiatives.Details(title="Holds pickup made easy")
    )
    barriers.report_barrier(
        lead,
        barriers.BarrierDetails(
            title="Holds pickup hours too short",
            category="policy",
            affects="customers",
            severity="medium",
            source="staff",
        ),
    )

    # 1. Fran reports a barrier from the customer survey; a similar one is suggested.
    sign_in(page, server, fran.email, PASSWORD)
    page.get_by_role("link", name="Report a barrier").first.click()
    page.get_by_label("What stands in the way?").fill("Holds shelf is hard to find")
    page.locator("#similar-barriers a", has_text="Holds pickup hours too short").wait_for()
    shot(page, "barrier-report-with-suggestion")
    page.get_by_label("Tell us more").fill("Customers ask at the desk where the holds are.")
    page.get_by_label("Category").select_option("facilities")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Where it came from").select_option("survey")
    page.get_by_role("button", name="Report barrier").click()
    page.get_by_text("the barrier is on the register").wait_for()
    barrier = db.session.query(Barrier).filter_by(title="Holds shelf is hard to find").one()

    # 2. The lead links it to the initiative and logs two actions.
    page = switch(page, server, lead)
    page.goto(f"{server}/barriers/{barrier.id}")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Initiative").select_option(label=f"{team.name} — Holds pickup made easy")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    for text, who in (("Move the shelf beside the door", owner.name), ("Add a sign", None)):
        page.locator("summary", has_text="Log an action").click()
        page.get_by_label("Action", exact=True).fill(text)
        if who:
            page.get_by_label("Owner").select_option(label=who)
        page.get_by_role("button", name="Log action").click()
        page.get_by_text("Action logged.").wait_for()
    assert "Addressing" in page.locator("h1 + div").inner_text()

    # 3. Hannah marks hers done from "My actions", with an outcome.
    page = switch(page, server, owner)
    page.get_by_role("link", name="My actions", exact=True).first.click()
    shot(page, "my-actions")
    page.get_by_role("link", name="Mark done: Move the shelf beside the door").click()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("the outcome is needed when done").first.wait_for()
    page.get_by_label("Outcome").fill("Shelf moved; holds questions fell by 80%.")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Action updated.").wait_for()
    assert "Nothing on your list" in page.content()

    # 4. The lead closes the barrier as removed.
    page = switch(page, server, lead)
    page.goto(f"{server}/barriers/{barrier.id}")
    page.get_by_label("Removed: it no longer stands in the way").check()
    page.get_by_label("Resolution note").fill("The shelf is by the door with a sign.")
    # The lead's own "Add a sign" is still open: closing asks what becomes of it.
    assert "1 open action" in page.locator("#open-actions").inner_text()
    page.get_by_role("button", name="Close barrier").click()
    page.get_by_text("Say what happens to the open action “Add a sign”").wait_for()
    assert page.get_by_label("Resolution note").input_value().startswith("The shelf is by")
    page.get_by_label("Keep it going on the initiative “Holds pickup made easy”").check()
    page.get_by_role("button", name="Close barrier").click()
    page.get_by_text("Closed as removed.").wait_for()
    shot(page, "barrier-closed")
    page.goto(f"{server}/actions/")
    assert "Add a sign" in page.locator("#open-h").locator("..").inner_text()  # still doable
    page.goto(f"{server}/barriers/{barrier.id}")

    # 5. Fran is told: at home and by mail.
    assert run_jobs() == 0
    mail = mailbox.to("fran@library.example")
    assert len(mail) == 1 and "Holds shelf is hard to find" in mail[0]["Subject"]
    page = switch(page, server, fran)
    panel = page.locator("section", has_text="You said, we did")
    assert "The shelf is by the door with a sign." in panel.inner_text()
    shot(page, "home-you-said-we-did")

    # 6. The register filters to it and exports it.
    page.goto(f"{server}/barriers/")
    page.get_by_role("link", name="Removed").click()
    page.get_by_label("Category").select_option("facilities")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "Holds shelf is hard to find" in rows.first.inner_text()
    shot(page, "barrier-register")
    href = page.get_by_role("link", name="Export CSV").get_attribute("href")
    assert "status=removed" in href and "category=facilities" in href
    exported = page.request.get(f"{server}{href}").text()
    table = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert [(r["title"], r["status"]) for r in table] == [
        ("Holds shelf is hard to find", "removed")
    ]

    # 7. The API shows the same.
    body = api_as(lead).get(f"/barriers/{barrier.id}").get_json()
    assert (body["status"], body["initiative"]["id"], body["resolution"]) == (
        "removed",
        initiative.id,
        "The shelf is by the door with a sign.",
    )
    actions = api_as(lead).get(f"/actions?barrier_id={barrier.id}").get_json()["items"]
    assert sorted(a["status"] for a in actions) == ["done", "planned"]
    page.context.close()


@pytest.mark.parametrize("width,height,label", [(1366, 900, "laptop"), (390, 844, "phone")])
def test_barrier_pages_on_laptop_and_phone(app, server, browser, width, height, label):
    lead = UserFactory(name="Priya Shah")
    team = make_team(lead, name="Desk Team")
    made = barriers.report_barrier(
        lead,
        barriers.BarrierDetails(
            title="Printer jams at every branch on Mondays",
            description="The weekend queue fills the printers.",
            category="technology",
            affects="internal",
            severity="critical",
            source="staff",
            team_id=team.id,
        ),
    )
    barriers.log_action(
        lead, barriers.ActionDetails("Monday printer check"), barrier=barriers.get_barrier(made.id)
    )
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in(page, server, lead.email, PASSWORD)
        for path, name in (
            ("/barriers/", "register"),
            (f"/barriers/{made.id}", "barrier"),
            ("/actions/", "my-actions"),
        ):
            page.goto(f"{server}{path}")
            assert page.locator("h1").is_visible()
            # Nothing runs off the side of a phone.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} overflows by {overflow}px at {width}px"
            shot(page, f"barriers-{name}-{label}")
    finally:
        context.close()
