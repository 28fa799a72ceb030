"""Satisfaction in a real Chromium: leadership imports a year of results (a bad file first),
then the chart shows the trend with a completed initiative marked, on a laptop and a phone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.models import Initiative
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, DepartmentFactory, UserFactory, make_team

pytestmark = pytest.mark.browser

HEADER = "period,metric,score,scale_max,respondents,department"
SCORES = [3.6, 3.58, 3.62, 3.6, 3.59, 3.61, 3.66, 3.72, 3.79, 3.86, 3.93, 4.0]


def year_of_results() -> str:
    lines = [HEADER]
    for i, score in enumerate(SCORES):
        year, month = divmod(2025 * 12 + 3 + i, 12)
        lines.append(f"{year}-{month + 1:02d},Customer satisfaction,{score},5,{380 + 7 * i},")
    return "\n".join(lines)


def test_leadership_imports_a_year_and_everyone_sees_the_trend(app, server, page, phone):
    leader = UserFactory(role="leadership", name="Louise Director")
    staff = UserFactory(name="Sam Staff")
    DepartmentFactory(name="Norman")
    lead = UserFactory(name="Team Lead")
    team = make_team(lead, name="Self-service Team")
    for title, when in (
        ("Self-checkout moved to the entrance", datetime(2025, 10, 14, tzinfo=UTC)),
        ("Holds shelf signage", datetime(2026, 1, 20, tzinfo=UTC)),
    ):
        made = initiatives.create_initiative(lead, team, initiatives.Details(title=title))
        row = db.session.get(Initiative, made.id)
        assert row is not None
        row.completed_at = when
        db.session.commit()
    sign_in(page, server, leader.email, PASSWORD)
    page.get_by_role("link", name="Satisfaction", exact=True).click()
    page.get_by_role("heading", name="No survey results yet").wait_for()
    page.get_by_role("link", name="Import CSV").click()

    # A bad row: nothing imported, the exact row and problem listed, the text kept.
    bad = year_of_results().replace(
        "2025-08,Customer satisfaction,3.59", "2025-08,Customer satisfaction,5.9"
    )
    page.get_by_label("Or paste the CSV").fill(bad)
    page.get_by_role("button", name="Check and import").click()
    problems = page.locator(".import-problems")
    problems.wait_for()
    assert "The score must be between 0 and 5." in problems.inner_text()
    assert "6" in problems.locator("tbody th").first.inner_text()
    shot(page, "satisfaction-import-refused")

    page.get_by_label("Or paste the CSV").fill(year_of_results())
    page.get_by_role("button", name="Check and import").click()
    page.get_by_text("Imported 12 results.").wait_for()
    card = page.locator(".satisfaction-card").first
    assert "+11.1% since April 2025" in card.locator("[data-testid=change]").inner_text()
    assert card.locator(".completion-marker").count() == 2
    shot(page, "satisfaction-laptop")

    # A later baseline.
    # A second metric, recorded on the form.
    page.get_by_role("link", name="Record a result").click()
    page.get_by_label("Month").fill("2026-03")
    page.get_by_label("Metric").fill("Staff engagement")
    page.get_by_label("Score").fill("7.4")
    page.get_by_label("Top of the scale").fill("10")
    page.get_by_label("Respondents").fill("131")
    page.get_by_role("button", name="Record result").click()
    page.get_by_text("Recorded Staff engagement for March 2026.").wait_for()
    page.goto(f"{server}/satisfaction/")
    page.get_by_label("Compare with").select_option(label="October 2025")
    page.get_by_role("button", name="Show").click()
    assert "since October 2025" in page.locator("[data-testid=change]").first.inner_text()

    sign_in(phone, server, staff.email, PASSWORD)
    phone.goto(f"{server}/satisfaction/")
    phone.locator(".satisfaction-chart").first.wait_for()
    assert phone.get_by_role("link", name="Import CSV").count() == 0
    shot(phone, "satisfaction-phone")
    phone.goto(f"{server}/")
    phone.get_by_role("heading", name="Latest survey results").wait_for()
    shot(phone, "satisfaction-home-phone")
