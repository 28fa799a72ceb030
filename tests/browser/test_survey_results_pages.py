"""Survey results and the wave comparison in a real Chromium, on a laptop and a phone, with the
demo's two customer waves: charts drawn, tables beside them, filter by branch, no serious
accessibility problem. Screenshots go to test-artifacts (and SURVEY_SHOTS, when set)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import Survey, SurveyComment, SurveyCommentTheme
from teams_app.surveys.demo import CUSTOMER_TITLE, seed_surveys
from tests.browser.conftest import axe_problems, new_view, shot, sign_in
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

pytestmark = pytest.mark.browser


def _save(page, name: str) -> None:
    shot(page, name)
    folder = os.environ.get("SURVEY_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_results_and_comparison_pages(app, server, browser):
    desks = [
        DepartmentFactory(name=name)
        for name in ("Central Library", "Eastside Branch", "Hillside Branch", "Riverside Branch")
    ]
    leader = UserFactory(role="leadership", name="Louise Director", department=desks[0])
    for n in range(9):
        UserFactory(name=f"Staff {n}", department=desks[n % 4])
    seed_surveys(leader)
    first, second = db.session.scalars(
        select(Survey).where(Survey.title == CUSTOMER_TITLE).order_by(Survey.wave)
    ).all()
    printing = db.session.scalar(
        select(SurveyComment.barrier_id).where(
            SurveyComment.survey_id == first.id, SurveyComment.coded_as == "new_barrier"
        )
    )
    later = db.session.scalars(
        select(SurveyComment).where(SurveyComment.survey_id == second.id).limit(4)
    ).all()
    for i, comment in enumerate(later):
        comment.coded_as = "evidence" if i < 2 else "none"
        comment.barrier_id = printing if i < 2 else None
        comment.themes = [SurveyCommentTheme(theme="printing" if i < 2 else "opening hours")]
    db.session.commit()

    for viewport in ("laptop", "phone"):
        page = new_view(browser, viewport)
        sign_in(page, server, leader.email, PASSWORD)
        page.goto(f"{server}/surveys/{second.id}")
        page.get_by_role("link", name="Results", exact=True).click()
        page.get_by_role("heading", name=f"Results: {CUSTOMER_TITLE}").wait_for()
        charts = page.locator("svg.survey-chart[role=img]")
        assert charts.count() == 3
        assert "mean" in page.locator("[data-testid=mean]").first.inner_text()
        assert page.locator(".survey-result-table").count() == 3
        _save(page, f"survey-results-{viewport}")
        assert not axe_problems(page, "results")

        choice = page.locator("#department_id option").nth(1)
        branch = choice.inner_text().split(" (")[0]
        page.get_by_label("Branch or department").select_option(index=1)
        page.get_by_role("button", name="Show", exact=True).click()
        page.wait_for_url("**department_id=*")
        assert f"for {branch}" in page.locator("h1 + p").inner_text()
        if viewport == "phone":
            _save(page, "survey-results-branch-phone")

        page.get_by_role("link", name="Compare with wave 1").first.click()
        page.get_by_role("heading", name="Wave 2 against wave 1").wait_for()
        assert "since the previous wave" in page.locator("[data-testid=change]").first.inner_text()
        assert page.get_by_role("link", name="Printers run out of paper").count() == 1
        _save(page, f"survey-comparison-{viewport}")
        assert not axe_problems(page, "comparison")
        page.context.close()
