"""Search in Chromium: "/" puts the cursor in the header box, the typeahead offers the top
matches as you type (arrow keys and Enter open one, Escape closes), Enter without a pick opens
the results page, which passes axe; on a phone the same box sits in the menu. A staff member
never sees a hidden story in the list."""

from __future__ import annotations

import pytest

from teams_app.barriers import services as barriers
from teams_app.stories import services as stories
from tests.browser.conftest import axe_problems, new_view, shot, sign_in
from tests.factories import PASSWORD, UserFactory, make_story, make_team

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app):
    staff = UserFactory(name="Sam Staff")
    boss = UserFactory(name="Bea Boss", role="leadership")
    team = make_team(staff, name="Pickup Team")
    barrier = barriers.report_barrier(
        staff,
        barriers.BarrierDetails(
            title="Holds shelf is hard to find",
            description="It sits behind the returns bin.",
            category="facilities",
            affects="customers",
            severity="medium",
            source="staff",
            team_id=team.id,
        ),
    )
    hidden = make_story(boss, title="Holds shelf gossip", body="Names a customer.")
    stories.hide_story(boss, stories.get_story(hidden.id), "Personal details.")
    return staff, barrier


def test_slash_typeahead_keys_and_the_results_page(app, server, page, world):
    staff, barrier = world
    sign_in(page, server, staff.email, PASSWORD)
    page.locator("main").click()
    page.keyboard.press("/")
    box = page.locator("#site-search")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("holds sh", delay=30)
    options = page.locator("#site-search-list [role='option']")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    texts = options.all_inner_texts()
    assert "Holds shelf is hard to find" in texts[0]
    assert not any("gossip" in t for t in texts)  # hidden story: not for staff
    shot(page, "search-typeahead-laptop")
    page.keyboard.press("Escape")
    assert page.locator("#site-search-list").is_hidden()
    page.keyboard.type("e")  # "holds she": the list comes back
    options.first.wait_for()
    page.keyboard.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/barriers/{barrier.id}")
    # Enter without a pick: the results page, grouped, highlighted, accessible.
    page.keyboard.press("/")
    page.keyboard.type("holds shelf")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/search?q=holds+shelf")
    assert page.locator(".search-hit mark").first.inner_text().lower() == "holds"
    assert "gossip" not in page.content()
    assert axe_problems(page, "search results") == []
    shot(page, "search-results-laptop")


def test_on_a_phone_the_box_is_in_the_menu(app, server, browser, world):
    staff, _barrier = world
    phone = new_view(browser, "phone")
    sign_in(phone, server, staff.email, PASSWORD)
    phone.get_by_role("button", name="Show navigation").click()
    phone.locator("#site-search").fill("holds")
    phone.locator("#site-search-list [role='option']").first.wait_for()
    shot(phone, "search-typeahead-phone")
    phone.locator("#site-search").press("Enter")
    phone.wait_for_url(f"{server}/search?q=holds")
    assert axe_problems(phone, "search results on a phone") == []
    phone.context.close()
