"""The impact stories journey from the issue, in a real Chromium: three staff post stories
(confirming no personal details), colleagues cheer them, leadership ranks the month and features
the most-cheered one, and it is on every home page; a barrier is reported from a story and the two
link to each other. The API agrees."""

from __future__ import annotations

import pytest

from teams_app.extensions import db
from teams_app.models import Barrier, ImpactStory
from teams_app.stories import services as stories
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, UserFactory, make_story

pytestmark = pytest.mark.browser
PASSPORT = "A lost passport found before the flight"


def switch(page, server, user):
    """Sign in as ``user`` in a fresh browser context (its own cookie jar)."""
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    fresh = context.new_page()
    page.context.close()
    sign_in(fresh, server, user.email, PASSWORD)
    return fresh


def share(page, server, title, kind, body):
    page.goto(f"{server}/stories/")
    page.get_by_role("link", name="Share a story").first.click()
    page.get_by_label("Title").fill(title)
    page.get_by_label(kind).check()
    page.get_by_label("What happened?").fill(body)
    page.get_by_label("I confirm this story holds no customer names").check()
    page.get_by_role("button", name="Share story").click()
    page.get_by_text("Thank you for sharing your story.").wait_for()


def cheer(page, server, title):
    page.goto(f"{server}/stories/")
    page.get_by_role("button", name=f"Cheer “{title}”").click()
    page.get_by_text("Cheered!").wait_for()


def test_stories_shared_cheered_featured_and_turned_into_a_barrier(app, server, page, api_as):
    hannah = UserFactory(name="Hannah Lee")
    grace = UserFactory(name="Grace Kim")
    kevin = UserFactory(name="Kevin Nguyen")
    cheerers = [UserFactory(name=n) for n in ("Priya Shah", "Tyler Brooks", "Ruth Miller")]
    louise = UserFactory(name="Louise Director", role="leadership", level="executive")

    # 1. Three staff post stories; the first try without the privacy tick is refused.
    sign_in(page, server, hannah.email, PASSWORD)
    page.get_by_role("link", name="Stories", exact=True).click()
    page.get_by_text("No stories yet").wait_for()
    page.get_by_role("link", name="Share a story").first.click()
    page.get_by_label("Title").fill("A lost passport found before the flight")
    page.get_by_label("What happened?").fill("Found in a **returned book**.")
    page.get_by_role("button", name="Share story").click()
    page.get_by_text("Confirm the story holds no customer names").first.wait_for()
    assert page.get_by_label("Title").input_value() == "A lost passport found before the flight"
    shot(page, "story-form-privacy-error")
    page.get_by_label("I confirm this story holds no customer names").check()
    page.get_by_role("button", name="Share story").click()
    page.get_by_text("Thank you for sharing your story.").wait_for()
    assert page.locator(".story-body strong", has_text="returned book").is_visible()
    page = switch(page, server, grace)
    share(page, server, "Homework help night filled every table", "Win", "Thirty students.")
    page = switch(page, server, kevin)
    share(
        page,
        server,
        "A printer queue we could not clear",
        "Failure to learn from",
        "A customer waited forty minutes.",
    )

    # 2. Colleagues cheer: the passport story gets the most.
    for person in cheerers:
        page = switch(page, server, person)
        cheer(page, server, "A lost passport found before the flight")
    page = switch(page, server, grace)
    cheer(page, server, "A printer queue we could not clear")
    shot(page, "stories-feed")

    # 3. Leadership ranks the month and features the most-cheered story.
    page = switch(page, server, louise)
    page.goto(f"{server}/stories/month")
    first_row = page.locator("tbody tr").first
    assert "A lost passport found before the flight" in first_row.inner_text()
    shot(page, "stories-month-ranking")
    first_row.get_by_role("button", name="Feature").click()
    page.get_by_text("is the Impact Story of the Month").wait_for()
    passport = db.session.query(ImpactStory).filter_by(title=PASSPORT).one()
    assert passport.featured_month == stories.this_month()

    # 4. It is on every home page.
    for person in (hannah, kevin, cheerers[0], louise):
        page = switch(page, server, person)
        card = page.locator(".featured-story")
        assert "A lost passport found before the flight" in card.inner_text()
    shot(page, "home-with-story-of-the-month")

    # 5. Kevin reports a barrier from his story; both pages link to each other.
    page = switch(page, server, kevin)
    printer = db.session.query(ImpactStory).filter_by(title="A printer queue we could not clear")
    printer_id = printer.one().id
    page.goto(f"{server}/stories/{printer_id}")
    shot(page, "story-page")
    page.get_by_role("link", name="Report a barrier from this story").click()
    page.get_by_text("From the story:").wait_for()
    assert page.get_by_label("Where it came from").input_value() == "story"
    page.get_by_label("What stands in the way?").fill("Nobody knows how to clear the print queue")
    page.get_by_label("Category").select_option("technology")
    page.get_by_role("button", name="Report barrier").click()
    page.get_by_text("the barrier is on the register").wait_for()
    page.get_by_role("link", name="A printer queue we could not clear").click()
    page.get_by_role("link", name="Nobody knows how to clear the print queue").wait_for()
    barrier = db.session.query(Barrier).one()
    db.session.expire_all()
    assert db.session.get(ImpactStory, printer_id).barrier_id == barrier.id
    page.context.close()

    # 6. The API agrees.
    api = api_as(kevin)
    featured = api.get("/stories/featured").json
    assert featured["title"] == "A lost passport found before the flight"
    assert featured["cheer_count"] == 3
    mine = api.get(f"/stories/{printer_id}").json
    assert mine["barrier"]["id"] == barrier.id and mine["cheer_count"] == 1


@pytest.mark.parametrize("width,height,label", [(1366, 900, "laptop"), (390, 844, "phone")])
def test_story_pages_on_laptop_and_phone(app, server, browser, width, height, label):
    author = UserFactory(name="Hannah Lee")
    leader = UserFactory(name="Louise Director", role="leadership", level="executive")
    featured = make_story(
        author,
        title="A lost passport found before the flight",
        kind="recovery",
        body="A traveller left a passport in a returned book.\n\n- We called the airport\n"
        "- It was back an hour before boarding",
    )
    make_story(author, title="Homework help night filled every table", kind="win")
    other = make_story(author, title="A printer queue we could not clear", kind="failure")
    for person in [UserFactory() for _ in range(3)]:
        stories.cheer(person, featured)
    stories.cheer(leader, other)
    stories.feature_story(leader, stories.get_story(featured.id))
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in(page, server, leader.email, PASSWORD)
        for path, name in (
            ("/", "home"),
            ("/stories/", "feed"),
            (f"/stories/{featured.id}", "story"),
            ("/stories/new", "form"),
            ("/stories/month", "month"),
            ("/stories/archive", "archive"),
        ):
            page.goto(f"{server}{path}")
            assert page.locator("h1").first.is_visible()
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} overflows by {overflow}px at {width}px"
            shot(page, f"stories-{name}-{label}")
    finally:
        context.close()
