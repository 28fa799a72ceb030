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
    rick = UserFactory(name="Rick Ross")
    sign_in(page, server, lead.email, PASSWORD)
    page.goto(f"{server}/initiatives/")

    # Each person is offered by a label that tells them apart: two Ria Readers, two labels.
    owner = page.get_by_label("Owner")
    owner.press_sequentially("Ri", delay=30)
    options = page.locator("#owner-options option")
    rick_label = f"Rick Ross · {rick.department.name}"
    page.locator(f"#owner-options option[value='{rick_label}']").wait_for(state="attached")
    values = options.evaluate_all("os => os.map(o => o.value)")
    rias = {f"Ria Reader · {ria.department.name}", f"Ria Reader · {twin.department.name}"}
    assert values[0] == "me" and rias | {rick_label} <= set(values[1:])
    shot(page, "owner-typeahead")

    # A bare name two people share sends no id: the server offers both to pick from.
    owner.fill("Ria Reader")
    owner.press("Enter")
    page.get_by_text("More than one person is called Ria Reader").wait_for()
    offered = page.locator("#owner-options option[data-id]").evaluate_all(
        "os => os.map(o => o.value)"
    )
    assert set(offered) == rias

    # Picking one of them sends that person's id, and the filter keeps it.
    ria_label = f"Ria Reader · {ria.department.name}"
    page.get_by_label("Owner").fill(ria_label)
    page.get_by_label("Owner").dispatch_event("input")
    assert page.locator("input[type=hidden][name=owner]").input_value() == str(ria.id)
    page.get_by_label("Owner").press("Enter")
    page.wait_for_url(re.compile(rf"owner={ria.id}\b"))
    page.get_by_text("Ria's work").wait_for()
    assert page.get_by_text("Priya's work").count() == 0

    # A label picked from the typeahead is sent as that person's id, and stays in the form.
    page.get_by_label("Owner").fill("Rick Ross")
    page.locator(f"#owner-options option[value='{rick_label}']").wait_for(state="attached")
    page.get_by_label("Owner").fill(rick_label)
    page.get_by_label("Owner").dispatch_event("input")
    assert page.locator("input[type=hidden][name=owner]").input_value() == str(rick.id)
    page.get_by_label("Owner").press("Enter")
    page.wait_for_url(re.compile(rf"owner={rick.id}\b"))
    assert page.get_by_label("Owner").input_value() == rick_label
    assert page.get_by_text("Priya's work").count() == 0
    assert twin.id != ria.id
