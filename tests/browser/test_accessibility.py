"""Every main page, as staff, a team lead, leadership and an admin, on a laptop and on a phone:
axe-core (vendored, served by the app) finds no serious or critical WCAG 2.2 AA problem, and a
screenshot of each page lands in test-artifacts/screenshots/pages/ to be looked at.

One test walks everything over the demo data with one browser context per role and viewport,
so the whole walk costs one seed and eight sign-ins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import Action, Barrier, ImpactStory, Initiative, Team
from tests.browser.conftest import SHOTS, axe_problems, new_view, sign_in

pytestmark = pytest.mark.browser

STAFF, LEAD, LEADERSHIP, ADMIN = "staff", "lead", "leadership", "admin"
PEOPLE = {
    STAFF: ("jorge.ramirez@pioneer.example", "staff demo passphrase"),
    LEAD: ("priya.shah@pioneer.example", "staff demo passphrase"),
    LEADERSHIP: ("louise.director@pioneer.example", "leadership demo passphrase"),
    ADMIN: ("avery.admin@pioneer.example", "admin demo passphrase"),
}
EVERYONE = (STAFF, LEAD, LEADERSHIP)


@dataclass
class Page:
    name: str
    path: str
    roles: tuple[str, ...] = EVERYONE
    shot_as: str = LEAD  # whose screenshot is kept


def main_pages() -> list[Page]:
    """The pages people use, with real ids from the demo data."""

    def one(stmt: Any) -> Any:
        found = db.session.scalars(stmt.limit(1)).first()
        assert found is not None, stmt
        return found

    team = one(select(Team).where(Team.name == "Creating Positive Experiences"))
    closed = one(select(Team).where(Team.status == "closed"))
    proposed = one(select(Team).where(Team.status == "proposed"))
    initiative = one(select(Initiative).where(Initiative.title == "Impact Story of the Month"))
    barrier = one(select(Barrier).where(Barrier.title == "Survey tool licence lapsed"))
    resolved = one(select(Barrier).where(Barrier.status == "removed"))
    story = one(select(ImpactStory).where(ImpactStory.featured_month.is_not(None)))
    action = one(select(Action).where(Action.barrier_id == barrier.id))
    return [
        Page("home", "/"),
        Page("teams", "/teams/"),
        Page("team", f"/teams/{team.slug}"),
        Page("team-closed", f"/teams/{closed.slug}", shot_as=STAFF),
        Page("team-proposed", f"/teams/{proposed.slug}", shot_as=LEADERSHIP),
        Page("team-board", f"/teams/{team.slug}/board"),
        Page("propose-team", "/teams/new", shot_as=STAFF),
        Page("proposals", "/teams/proposals", (LEADERSHIP,), LEADERSHIP),
        Page("charter-team", f"/teams/{proposed.slug}/charter", (LEADERSHIP,), LEADERSHIP),
        Page("initiatives", "/initiatives/"),
        Page("initiative", f"/initiatives/{initiative.id}"),
        Page("initiative-edit", f"/initiatives/{initiative.id}/edit", (STAFF, LEAD)),
        Page("initiative-new", f"/teams/{team.slug}/initiatives/new", (STAFF, LEAD)),
        Page("barriers", "/barriers/"),
        Page("barrier", f"/barriers/{barrier.id}"),
        Page("barrier-closed", f"/barriers/{resolved.id}", shot_as=LEADERSHIP),
        Page("barrier-new", "/barriers/new", shot_as=STAFF),
        Page("action-new", f"/actions/new?barrier={barrier.id}", (LEAD, LEADERSHIP)),
        Page("action-edit", f"/actions/{action.id}/edit", (LEAD, LEADERSHIP)),
        Page("my-actions", "/actions/"),
        Page("stories", "/stories/", shot_as=STAFF),
        Page("story", f"/stories/{story.id}", shot_as=STAFF),
        Page("story-new", "/stories/new", shot_as=STAFF),
        Page("stories-archive", "/stories/archive"),
        Page("stories-month", "/stories/month", (LEADERSHIP,), LEADERSHIP),
        Page("satisfaction", "/satisfaction/", shot_as=LEADERSHIP),
        Page("satisfaction-new", "/satisfaction/new", (LEADERSHIP,), LEADERSHIP),
        Page("satisfaction-import", "/satisfaction/import", (LEADERSHIP,), LEADERSHIP),
        Page("portfolio", "/portfolio/", (LEADERSHIP,), LEADERSHIP),
        Page("portfolio-board", "/portfolio/board", (LEADERSHIP,), LEADERSHIP),
        Page("portfolio-report", "/portfolio/report", (LEADERSHIP,), LEADERSHIP),
        Page("people", "/people/"),
        Page("profile", "/account/", shot_as=STAFF),
        Page("digest-preview", "/digest/preview", shot_as=LEADERSHIP),
        Page("api-docs", "/api/docs"),
        Page("not-found", "/no-such-page", (STAFF,), STAFF),
        Page("admin-users", "/admin/users", (ADMIN,), ADMIN),
        Page("admin-invite", "/admin/users/invite", (ADMIN,), ADMIN),
        Page("admin-departments", "/admin/departments", (ADMIN,), ADMIN),
        Page("admin-stages", "/admin/stages", (ADMIN,), ADMIN),
        Page("admin-operations", "/admin/operations", (ADMIN,), ADMIN),
    ]


def test_every_main_page_passes_axe_on_a_laptop_and_a_phone(app, server, browser):
    from teams_app.demo import seed

    seed()
    pages = main_pages()
    folder = SHOTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    visited = 0
    for viewport in ("laptop", "phone"):
        anonymous = new_view(browser, viewport)
        for name, path in (("sign-in", "/auth/login"), ("forgot-password", "/auth/forgot")):
            anonymous.goto(server + path)
            problems += axe_problems(anonymous, f"anonymous {viewport} {path}")
            anonymous.screenshot(path=str(folder / f"{viewport}-{name}.png"), full_page=True)
        anonymous.context.close()
        for role in (STAFF, LEAD, LEADERSHIP, ADMIN):
            view = new_view(browser, viewport)
            sign_in(view, server, *PEOPLE[role])
            if viewport == "laptop":  # every section's link fits the bar on one line at 1366 px
                height = view.evaluate("() => document.querySelector('.app-nav').offsetHeight")
                assert height < 80, (role, height)
            for page in pages:
                if role not in page.roles:
                    continue
                response = view.goto(server + page.path)
                expected = 404 if page.name == "not-found" else 200
                assert response is not None and response.status == expected, (role, page.path)
                problems += axe_problems(view, f"{role} {viewport} {page.path}")
                visited += 1
                if role == page.shot_as:
                    view.screenshot(
                        path=str(folder / f"{viewport}-{page.name}.png"), full_page=True
                    )
            view.context.close()
    assert visited > 150
    assert not problems, "\n".join(problems)
