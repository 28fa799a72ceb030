"""A long story typed while the session expired is not lost: after signing in again the person
is back on the form with the text in it, and a plain message says what happened."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

STORY = (
    "A traveller left a passport in a returned book.\n\n"
    "- The returns check caught it\n- The airport number was on the staff wiki"
)


def test_a_story_typed_over_an_expired_session_comes_back_after_signing_in(app, server, page):
    person = UserFactory(name="Hannah Lee")
    sign_in(page, server, person.email, PASSWORD)
    page.goto(f"{server}/stories/new")
    page.get_by_label("Title").fill("A lost passport found before the flight")
    page.get_by_label("Service recovery").check()
    page.get_by_label("What happened?").fill(STORY)
    page.context.clear_cookies()  # twenty minutes of typing later, the session is gone
    page.get_by_role("button", name="Share story").click()

    page.wait_for_url(f"{server}/auth/login?next=/stories/new")
    message = page.get_by_text("Your session expired, so nothing was saved yet.")
    message.wait_for()
    assert "CSRF" not in page.content()
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{server}/stories/new")
    page.get_by_text("What you typed before your session expired is back in the form").wait_for()
    assert page.get_by_label("What happened?").input_value() == STORY
    assert page.get_by_label("Title").input_value() == "A lost passport found before the flight"
    assert page.get_by_label("Service recovery").is_checked()
    shot(page, "story-form-after-expired-session")
