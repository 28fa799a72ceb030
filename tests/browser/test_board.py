"""The team board with a mouse, a finger (Chromium's touch emulation) and the keyboard alone: each
move is saved by the server, which also decides when a note is needed, and the board asks for it.
"""

from __future__ import annotations

from typing import Any

import pytest

from teams_app.extensions import db
from teams_app.initiatives import services
from teams_app.models import Initiative
from tests.browser.conftest import new_view, shot, sign_in
from tests.factories import PASSWORD, UserFactory, make_team

pytestmark = pytest.mark.browser


def stage_of(initiative_id: int) -> str:
    db.session.expire_all()
    item = db.session.get(Initiative, initiative_id)
    assert item is not None
    return item.stage.name


def column(page: Any, name: str) -> Any:
    return page.locator(f".board-column[data-stage-name='{name}']")


def wait_for_stage(initiative_id: int, name: str, page: Any) -> None:
    """The server has it in ``name`` (polled with a deadline: the move is a fetch)."""
    page.wait_for_function(
        "([id, stage]) => { const c = document.querySelector(`[data-initiative-id='${id}']`);"
        " return c && c.closest('.board-column').dataset.stageName === stage"
        " && c.dataset.stageId === c.closest('.board-column').dataset.stageId; }",
        arg=[initiative_id, name],
    )
    assert stage_of(initiative_id) == name


def touch_drag(page: Any, source: Any, target: Any) -> None:
    """Touch and hold ``source``, drag it onto ``target`` and lift: real touch events through the
    DevTools protocol, as a phone sends them."""
    cdp = page.context.new_cdp_session(page)
    start, end = source.bounding_box(), target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + 12
    x1, y1 = end["x"] + end["width"] / 2, end["y"] + end["height"] / 2

    def touch(kind: str, x: float, y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", x0, y0)
    page.wait_for_timeout(350)  # hold past the board's touch delay, as a person does
    steps = 12
    for i in range(1, steps + 1):
        touch("touchMove", x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
        page.wait_for_timeout(40)
    page.wait_for_timeout(120)
    touch("touchEnd", x1, y1)
    cdp.detach()


def mouse_drag(page: Any, source: Any, target: Any) -> None:
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.wait_for_timeout(120)
    page.mouse.up()


@pytest.fixture
def board_team(app: Any) -> Any:
    lead = UserFactory(name="Priya Shah", level="manager")
    team = make_team(lead, name="Say Yes at the Desk")
    items = {
        title: services.create_initiative(lead, team, services.Details(title=title))
        for title in ("One-page yes list", "Escalation log", "Desk scripts")
    }
    return lead, team, {title: item.id for title, item in items.items()}


def test_board_by_touch_on_a_phone(app, server, browser, board_team):
    lead, team, ids = board_team
    phone = new_view(browser, "phone")
    sign_in(phone, server, lead.email, PASSWORD)
    phone.goto(f"{server}/teams/{team.slug}/board")
    # A phone shows the stages one under another, empty ones only as a slim drop zone.
    idea = column(phone, "Idea").bounding_box()
    discover = column(phone, "Discover").bounding_box()
    assert discover["y"] > idea["y"] and discover["height"] < 120
    shot(phone, "phone-board")

    card = phone.locator(f"[data-initiative-id='{ids['One-page yes list']}']")
    touch_drag(phone, card, column(phone, "Discover").locator(".board-cards"))
    wait_for_stage(ids["One-page yes list"], "Discover", phone)
    assert column(phone, "Discover").locator("[data-count-for]").inner_text() == "1"

    # Back to Idea: the server asks for a note, the board asks the person for it.
    card = phone.locator(f"[data-initiative-id='{ids['One-page yes list']}']")
    touch_drag(phone, card, column(phone, "Idea").locator(".board-cards"))
    dialog = phone.locator("#move-note")
    dialog.wait_for(state="visible")
    assert "move it back" in dialog.inner_text()
    shot(phone, "phone-board-note")
    dialog.get_by_label("Why?").fill("Needs the managers' view first.")
    dialog.get_by_role("button", name="Move").click()
    wait_for_stage(ids["One-page yes list"], "Idea", phone)
    history = services.history(db.session.get(Initiative, ids["One-page yes list"]))
    assert history[-1].note == "Needs the managers' view first."
    phone.context.close()


def test_board_by_mouse_with_a_refused_move_put_back(app, server, page, board_team):
    lead, team, ids = board_team
    sign_in(page, server, lead.email, PASSWORD)
    page.goto(f"{server}/teams/{team.slug}/board")
    # Every stage fits a laptop: Done and Stopped are folded to their counts.
    assert page.evaluate(
        "() => { const b = document.querySelector('.board');"
        " return b.scrollWidth <= b.clientWidth; }"
    )
    assert column(page, "Done").get_attribute("class").count("is-collapsed") == 1

    card = page.locator(f"[data-initiative-id='{ids['Escalation log']}']")
    mouse_drag(page, card, column(page, "Pilot").locator(".board-cards"))
    wait_for_stage(ids["Escalation log"], "Pilot", page)

    # Stopping needs a note; cancelling the question puts the card back where it was.
    card = page.locator(f"[data-initiative-id='{ids['Escalation log']}']")
    mouse_drag(page, card, column(page, "Stopped").locator(".board-cards"))
    page.locator("#move-note").wait_for(state="visible")
    assert "stop it" in page.locator("#move-note").inner_text()
    page.locator("#move-note").get_by_role("button", name="Cancel").click()
    page.wait_for_function(
        f"() => document.querySelector(\"[data-initiative-id='{ids['Escalation log']}']\")"
        ".closest('.board-column').dataset.stageName === 'Pilot'"
    )
    assert stage_of(ids["Escalation log"]) == "Pilot"
    shot(page, "board-laptop")


def test_board_by_keyboard_alone(app, server, page, board_team):
    lead, team, ids = board_team
    sign_in(page, server, lead.email, PASSWORD)
    page.goto(f"{server}/teams/{team.slug}/board")
    # From the top of the page: skip link, then a few stops to the first card's Pick up.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('board-grab')"):
            break
    else:
        pytest.fail("Pick up was not reached within 8 Tab presses after the skip link")
    title = page.evaluate("document.activeElement.closest('.board-card').dataset.title")
    moved = ids[title]
    page.keyboard.press("Enter")  # pick up
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # drop two stages on: Plan
    wait_for_stage(moved, "Plan", page)
    assert page.evaluate("document.activeElement.classList.contains('board-grab')")
    page.wait_for_function(
        "() => document.getElementById('board-status').textContent.includes('Moved')"
    )

    # Escape puts it back without a move.
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.closest('.board-column').dataset.stageName") == (
        "Plan"
    )
    assert stage_of(moved) == "Plan"
