"""The initiatives list's owner typeahead in a real Chromium: typing offers matching people,
picking one filters the list by that person's id, and the page keeps the choice."""

from __future__ import annotations

import re

import pytest

from teams_app.initiatives import services
from tests.browser.conftest import shot, sign_in
from tests.factories import PASSWORD, UserFactory, make_team

pytestmark = pytest.mark.browser


def test_typing_an_owner_offers_people_and_filters_by_the_one_picked(app, server, page):
    lead = UserFactory(name="Priya Shah")
    ria, twin = UserFactory(name="Ria Reader"), UserFactory(name="Ria Reader")
    team = make_team(lead, name="Desk Team", members=(ria,))
    services.create_initiative(lead, team, services.Details(title="Priya's work"))
    services.create_initiative(lead, team, services.Details(title="Ria's work", owner_id=ria.id))
    UserFactory(name="Rick Ross")
    sign_in(page, server, lead.email, PASSWORD)
    page.goto(f"{server}/initiatives/")

    owner = page.get_by_label("Owner")
    owner.press_sequentially("Ri", delay=30)
    options = page.locator("#owner-options option")
    page.locator("#owner-options option[value='Rick Ross']").wait_for(state="attached")
    values = options.evaluate_all("os => os.map(o => o.value)")
    assert values[0] == "me" and {"Ria Reader", "Rick Ross"} <= set(values[1:])
    shot(page, "owner-typeahead")

    # A name two people share sends no id: the server says so rather than guessing.
    owner.fill("Ria Reader")
    owner.press("Enter")
    page.get_by_text("More than one person is called Ria Reader").wait_for()

    # A name one person has is sent as that person's id, and stays in the form.
    page.get_by_label("Owner").fill("Rick Ross")
    page.locator("#owner-options option[value='Rick Ross']").wait_for(state="attached")
    page.get_by_label("Owner").dispatch_event("input")
    hidden = page.locator("input[type=hidden][name=owner]")
    assert hidden.input_value() != ""
    page.get_by_label("Owner").press("Enter")
    page.wait_for_url(re.compile(r"owner=\d+"))
    assert page.get_by_label("Owner").input_value() == "Rick Ross"
    assert page.get_by_text("Priya's work").count() == 0
    assert twin.id != ria.id
