"""The portfolio journey from the issue, in a real Chromium: the matrix, a cell, a sponsor
filter, the attention list, the CSV export, the printable report, and the API's figures."""

from __future__ import annotations

import csv
import io

import pytest

from teams_app.initiatives import services as initiatives
from tests.browser.conftest import LAPTOP, SHOTS, shot, sign_in
from tests.factories import PASSWORD, UserFactory, make_team

pytestmark = pytest.mark.browser


def test_leadership_reviews_the_portfolio(app, server, page, api_as):
    ada = UserFactory(role="leadership", name="Ada Sponsor")
    bo = UserFactory(role="leadership", name="Bo Sponsor")
    lead_a, lead_b = UserFactory(name="Lead A"), UserFactory(name="Lead B")
    team_a = make_team(lead_a, name="Alpha Team", sponsor=ada)
    team_b = make_team(lead_b, name="Beta Team", sponsor=bo)
    for team, lead, title, health in (
        (team_a, lead_a, "Desk scripts", "on_track"),
        (team_a, lead_a, "Survey relaunch", "off_track"),
        (team_b, lead_b, "Locker pilot", "at_risk"),
    ):
        item = initiatives.create_initiative(lead, team, initiatives.Details(title=title))
        if health != "on_track":
            initiatives.post_update(lead, initiatives.get_initiative(item.id), health, "News")

    sign_in(page, server, ada.email, PASSWORD)
    page.get_by_role("link", name="Portfolio", exact=True).click()
    page.get_by_role("heading", name="Stage × health").wait_for()
    shot(page, "portfolio")

    # A matrix cell opens the filtered initiatives list.
    page.get_by_role("link", name="1 Off track in Idea").click()
    page.get_by_role("link", name="Survey relaunch").wait_for()
    assert page.get_by_role("link", name="Desk scripts").count() == 0

    # Filter to one sponsor; the off-track initiative is in the attention list with its reason.
    page.go_back()
    page.get_by_label("Sponsor", exact=True).select_option(label="Ada Sponsor")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"{server}/portfolio/?sponsor_id={ada.id}")  # no empty parameters
    attention = page.locator("#attention")
    attention.get_by_role("link", name="Survey relaunch").wait_for()
    assert "off track" in attention.inner_text()
    assert "Locker pilot" not in attention.inner_text()

    # Export the filtered CSV.
    page.get_by_role("button", name="Export CSV").click()
    href = page.get_by_role("link", name="Initiatives", exact=True).last.get_attribute("href")
    assert f"sponsor_id={ada.id}" in href
    rows = list(
        csv.DictReader(io.StringIO(page.request.get(f"{server}{href}").text().lstrip("\ufeff")))
    )
    assert sorted(r["title"] for r in rows) == ["Desk scripts", "Survey relaunch"]

    # The printable report: the app's chrome is hidden when printed.
    page.get_by_role("link", name="Printable report").click()
    page.get_by_role("heading", name="Mission Teams portfolio").wait_for()
    report = page.locator(".report").inner_text()
    for part in ("The last 12 months", "Satisfaction", "Impact Story of the Month"):
        assert part in report
    row = page.locator(".report-table tr", has_text="Desk scripts").inner_text()
    assert "No update yet" in row and "On track" not in row  # nobody has posted an update
    page.emulate_media(media="print")
    assert not page.locator("header").is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    shot(page, "portfolio-report-print")
    # It fits the printable width of A4 and of Letter (15 mm margins), and prints to both.
    for paper, width in (("A4", 680), ("Letter", 703)):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, paper
        page.pdf(path=str(SHOTS / f"portfolio-report-{paper}.pdf"), format=paper)
    page.emulate_media(media="screen")
    page.set_viewport_size(LAPTOP)

    # The API returns the same numbers as the page.
    body = api_as(ada).get(f"/portfolio?sponsor_id={ada.id}").get_json()
    assert sorted((c["health"], c["count"]) for c in body["matrix"]) == [
        ("off_track", 1),
        ("on_track", 1),
    ]
    assert [a["title"] for a in body["attention"]] == ["Survey relaunch"]


def test_the_portfolio_board_counts_teams_and_opens_their_cards_on_demand(
    app, server, page, phone, browser
):
    ada = UserFactory(role="leadership", name="Ada Sponsor")
    lead_a, lead_b = UserFactory(name="Lead A"), UserFactory(name="Lead B")
    team_a = make_team(lead_a, name="Alpha Team", sponsor=ada)
    team_b = make_team(lead_b, name="Beta Team")
    for team, lead, title in (
        (team_a, lead_a, "Desk scripts"),
        (team_a, lead_a, "Survey relaunch"),
        (team_b, lead_b, "Locker pilot"),
    ):
        initiatives.create_initiative(lead, team, initiatives.Details(title=title))

    sign_in(page, server, ada.email, PASSWORD)
    page.goto(f"{server}/portfolio/board")
    grid = page.get_by_role("table")
    grid.get_by_role("columnheader", name="Idea").wait_for()
    alpha = grid.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Alpha Team"))
    assert "2" in alpha.first.inner_text()
    assert page.get_by_text("Desk scripts").count() == 0  # no card until asked

    toggle = page.get_by_role("button", name="Show cards of Alpha Team")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    page.get_by_role("link", name="Desk scripts").wait_for()
    assert page.get_by_role("link", name="Locker pilot").count() == 0
    opened = page.get_by_role("button", name="Hide cards of Alpha Team")
    assert opened.get_attribute("aria-expanded") == "true"
    shot(page, "portfolio-board-laptop")

    # The space bar works it as a button does; a second press folds the cards away.
    opened.focus()
    page.keyboard.press("Space")
    page.get_by_role("link", name="Desk scripts").wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"

    # On a phone the grid scrolls sideways within its frame, and the cards open the same way.
    sign_in(phone, server, ada.email, PASSWORD)
    phone.goto(f"{server}/portfolio/board")
    phone.get_by_role("button", name="Show cards of Beta Team").click()
    phone.get_by_role("link", name="Locker pilot").wait_for()
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(phone, "portfolio-board-phone")

    # Without script, the same link opens a page with the team's cards.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    sign_in(plain, server, ada.email, PASSWORD)
    plain.goto(f"{server}/portfolio/board")
    plain.get_by_role("link", name="Show cards of Beta Team").click()
    plain.get_by_role("heading", name="Beta Team", level=1).wait_for()
    assert plain.get_by_role("link", name="Locker pilot").is_visible()
    context.close()
