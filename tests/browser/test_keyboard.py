"""The issue's journeys with the keyboard alone (sign in, propose a team, report a barrier, cheer
a story; moving an initiative is in test_board.py), checking at every stop that the control that
has the focus shows a visible ring."""

from __future__ import annotations

from typing import Any

import pytest

from teams_app.extensions import db
from teams_app.models import Barrier, Team
from tests.factories import PASSWORD, UserFactory, make_story

pytestmark = pytest.mark.browser

_FOCUS = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  // A month or date field's last stop is the browser's own calendar button (inside the field),
  // which draws the browser's ring; the field itself is then not :focus.
  const picker = ["date", "month", "time"].includes(el.type) && !el.matches(":focus");
  const ring = picker || (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2);
  const field = ["input", "select", "textarea"].includes(el.tagName.toLowerCase());
  const label = ((field ? el.name : el.getAttribute("aria-label") || el.innerText) || "")
    .replace(/^[^\\p{L}]+/u, "").trim().replace(/\\s+/g, " ").slice(0, 60);
  const style = `${s.outlineStyle} ${s.outlineWidth}`;
  return {ring: ring, label: label, tag: el.tagName.toLowerCase(), id: el.id, style: style};
}"""


class Keys:
    """Drives a page with the keyboard and remembers any stop without a visible focus ring."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.unringed: list[str] = []

    def focused(self) -> dict[str, Any]:
        info = self.page.evaluate(_FOCUS)
        if info["tag"] != "body" and not info["ring"]:
            self.unringed.append(f"{self.page.url} {info['tag']} {info['label']!r} {info['style']}")
        return info

    def tab_to(self, label: str, most: int = 40) -> int:
        """Tab until the focused control's name starts with ``label``; how many presses."""
        for presses in range(1, most + 1):
            self.page.keyboard.press("Tab")
            if self.focused()["label"].startswith(label):
                return presses
        raise AssertionError(f"{label!r} not reached in {most} Tab presses on {self.page.url}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def skip_to_main(self) -> None:
        assert self.tab_to("Skip to main content", most=1) == 1
        self.press("Enter")


def test_a_new_user_gets_through_the_journeys_with_the_keyboard_alone(app, server, page):
    person = UserFactory(name="Kim Keys", email="kim@library.example")
    author = UserFactory(name="Ana Author")
    story = make_story(author, title="A passport found before the flight")
    keys = Keys(page)

    # Sign in.
    page.goto(f"{server}/auth/login")
    keys.tab_to("Skip to main content")
    keys.tab_to("email", most=6)
    keys.type(person.email)
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.tab_to("Sign in", most=6)
    keys.press("Enter")
    page.wait_for_url(f"{server}/")

    # Propose a team: the skip link, then the hero's button within a few presses.
    keys.skip_to_main()
    assert keys.tab_to("Propose a team", most=4) <= 4
    keys.press("Enter")
    page.wait_for_url(f"{server}/teams/new")
    keys.tab_to("name", most=25)
    keys.type("Quiet Study Rooms")
    keys.press("Tab")
    keys.type("Students cannot find a quiet place to work after school.")
    keys.press("Tab")
    keys.type("A bookable quiet room at every branch.")
    keys.tab_to("Propose team", most=12)
    keys.press("Enter")
    page.get_by_text("Quiet Study Rooms").first.wait_for()
    assert db.session.query(Team).filter_by(name="Quiet Study Rooms").one().status == "proposed"

    # Report a barrier from home.
    page.goto(f"{server}/")
    keys.skip_to_main()
    keys.tab_to("Report a barrier", most=3)
    keys.press("Enter")
    page.wait_for_url(f"{server}/barriers/new")
    keys.tab_to("title", most=25)
    keys.type("No quiet room for exams")
    keys.press("Tab")
    keys.type("Students sit on the stairs to revise.")
    keys.tab_to("affects", most=4)
    keys.press("ArrowDown")  # customers → staff
    keys.tab_to("Report barrier", most=12)
    keys.press("Enter")
    page.get_by_text("Thank you: the barrier is on the register.").wait_for()
    reported = db.session.query(Barrier).filter_by(title="No quiet room for exams").one()
    assert reported.affects == "staff"

    # Cheer a story: to Stories through the navigation, then the first Cheer button.
    page.goto(f"{server}/")
    keys.tab_to("Stories", most=10)
    keys.press("Enter")
    page.wait_for_url(f"{server}/stories/")
    keys.skip_to_main()
    keys.tab_to("Cheer", most=25)
    keys.press("Space")
    page.get_by_text("Cheered").first.wait_for()
    db.session.expire_all()
    assert story.cheer_count == 1

    assert not keys.unringed, keys.unringed
