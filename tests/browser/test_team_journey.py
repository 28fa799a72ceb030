"""The teams journey from the issue: propose, charter, join two ways, promote, close."""

from __future__ import annotations

import pytest

from teams_app.teams import services
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

pytestmark = pytest.mark.browser


def test_a_team_from_proposal_to_closing(app, server, browser, mailbox, run_jobs):
    norman, it = DepartmentFactory(name="Norman"), DepartmentFactory(name="IT")
    priya = UserFactory(
        name="Priya Shah", level="manager", department=norman, email="priya@library.example"
    )
    louise = UserFactory(
        name="Louise Director", role="leadership", level="executive", email="louise@library.example"
    )
    hannah = UserFactory(
        name="Hannah Lee", level="frontline", department=norman, email="hannah@library.example"
    )
    raj = UserFactory(
        name="Raj Gupta", level="specialist", department=it, email="raj@library.example"
    )

    def new_page(user):
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.set_default_timeout(10_000)
        sign_in(page, server, user.email, PASSWORD)
        return page

    # Priya proposes a team that people ask to join.
    p = new_page(priya)
    p.get_by_role("link", name="Teams", exact=True).click()
    p.get_by_role("link", name="Propose a team").first.click()
    p.get_by_label("Team name").fill("Say Yes at the Desk")
    p.get_by_label("Problem or opportunity").fill(
        "Desk staff say no to small requests because the policy is unclear."
    )
    p.get_by_label("Goal").fill("A one-page yes list and fewer escalations.")
    p.get_by_label("People ask and a lead accepts").check()
    p.get_by_label("Maximum size").fill("6")
    p.get_by_role("button", name="Propose team").click()
    p.get_by_text("Your team is proposed").wait_for()
    shot(p, "team-proposed")

    # Louise charters it from the proposals queue.
    lo = new_page(louise)
    lo.goto(f"{server}/teams/proposals")
    shot(lo, "team-proposals")
    lo.get_by_role("link", name="Charter").first.click()
    lo.get_by_label("Sponsor").select_option(label="Louise Director")
    lo.get_by_label("Note to the team (optional)").fill("Report back monthly.")
    lo.get_by_role("button", name="Charter the team").click()
    lo.get_by_text("is chartered").wait_for()

    # Hannah asks to join; Priya adds Raj directly, then accepts Hannah.
    h = new_page(hannah)
    h.goto(p.url)
    h.get_by_label("This team asks to join").fill("I hear these requests every day.")
    h.get_by_role("button", name="Ask to join").click()
    h.get_by_text("Your request is sent").wait_for()

    p.reload()
    p.get_by_label("Search staff by name").fill("Raj")
    p.get_by_role("button", name="Search").click()
    p.get_by_role("button", name="Add Raj Gupta").click()
    p.get_by_text("Added to the team").wait_for()
    p.get_by_role("button", name="Accept Hannah Lee").click()
    p.get_by_text("Request accepted").wait_for()
    shot(p, "team-page-members")

    # Priya makes Hannah a co-lead, then closes the team with what was learned.
    p.locator("li", has_text="Hannah Lee").get_by_role("button", name="Make lead").click()
    p.get_by_text("Role changed").wait_for()
    p.get_by_role("link", name="Close team").click()
    p.get_by_label("What we learned").fill("A printed yes list beat a policy manual.")
    p.get_by_role("button", name="Close the team").click()
    p.get_by_text("is closed").first.wait_for()
    shot(p, "team-closed")

    team = services.get_team_by_slug("say-yes-at-the-desk")
    assert team.status == "closed" and team.lead_ids() == {priya.id, hannah.id}
    assert team.member_ids() == {priya.id, hannah.id, raj.id}
    feed = p.locator("#feed-h + ol").inner_text()
    for words in (
        "proposed the team",
        "chartered the team",
        "asked to join",
        "added Raj Gupta",
        "accepted Hannah Lee's request",
        "made Hannah Lee a lead",
        "closed the team",
    ):
        assert words in feed, words

    assert run_jobs() == 0
    subjects = {(m["To"], m["Subject"]) for m in mailbox.messages}
    assert ("priya@library.example", "Say Yes at the Desk is chartered") in subjects
    assert ("priya@library.example", "Hannah Lee asks to join Say Yes at the Desk") in subjects
    assert ("hannah@library.example", "Welcome to Say Yes at the Desk") in subjects
    assert ("raj@library.example", "You were added to Say Yes at the Desk") in subjects

    h.goto(f"{server}/teams/?status=closed")
    h.get_by_text("A printed yes list beat a policy manual.").wait_for()
    shot(h, "teams-directory-closed")


def test_team_pages_on_a_phone(app, server, phone):
    lead = UserFactory(name="Pat Lead", level="supervisor")
    from tests.factories import make_team

    team = make_team(lead, name="Internal Customers", members=(UserFactory(level="executive"),))
    sign_in(phone, server, lead.email, PASSWORD)
    phone.goto(f"{server}/teams/{team.slug}")
    phone.get_by_text("Who's at the table").wait_for()
    shot(phone, "phone-team-page")
    phone.goto(f"{server}/teams/")
    shot(phone, "phone-teams-directory")
