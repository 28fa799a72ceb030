"""The surveys issue's "Done when", as far as it is built, in a real Chromium: leadership builds a
customer survey with the builder, opens the QR poster, three customers answer on a phone (one in
Spanish), staff answer an anonymous staff survey, the owner codes the comments with the keyboard
into two new barriers and one piece of evidence, and closing the survey adds this month's
satisfaction result. (The second wave's comparison page is another helper's part.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import Barrier, SatisfactionResult, SurveyComment
from teams_app.surveys import services
from tests.browser.conftest import LAPTOP, PHONE, axe_problems, new_view, shot, sign_in
from tests.factories import PASSWORD, DepartmentFactory, UserFactory
from tests.integration.surveys.helpers import make_survey

pytestmark = pytest.mark.browser

TRIAGE_SHOTS = Path("/tmp/shots-triage")
SAID = [
    ("en", "4", "The printers jam every Saturday"),
    ("es", "3", "La biblioteca cierra muy temprano los sábados"),
    ("en", "5", "Printers out of paper again"),
]


def _build(page, server) -> int:
    today = services.today()
    page.goto(f"{server}/surveys/new")
    page.get_by_label("Title", exact=True).fill("How was your visit?")
    page.get_by_label("Who answers").select_option("customers")
    page.get_by_label("Opens on").fill(today.isoformat())
    page.get_by_label("Closes on").fill((today + timedelta(days=7)).isoformat())
    page.get_by_label("Also offer it in Spanish").check()
    page.get_by_label("Title in Spanish").fill("¿Cómo fue su visita?")
    page.locator("#questions-0-kind").select_option("rating5")
    page.locator("#questions-0-metric").fill("Customer satisfaction")
    page.locator("#questions-0-text_en").fill("How satisfied are you with your visit?")
    page.locator("#questions-0-text_es").fill("¿Qué tan satisfecho está con su visita?")
    page.locator("input[name='questions-0-required']").check()
    page.locator("#questions-1-kind").select_option("long_text")
    page.locator("#questions-1-text_en").fill("Did anything get in the way?")
    page.locator("#questions-1-text_es").fill("¿Algo le causó problemas?")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/edit")
    survey_id = int(page.url.rstrip("/").split("/")[-2])
    page.goto(f"{server}/surveys/{survey_id}")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Close and record results").wait_for()
    return survey_id


def _customer_answers(browser, server, token: str, branch_id: int) -> None:
    for language, stars, words in SAID:
        phone = new_view(browser, "phone")
        phone.goto(f"{server}/s/{token}?branch={branch_id}")
        if language == "es":
            phone.get_by_role("link", name="Español").click()
        phone.locator(f"label[for$='-{stars}']").first.click()
        phone.locator("textarea").fill(words)
        button = "Enviar mis respuestas" if language == "es" else "Send my answers"
        phone.get_by_role("button", name=button).click()
        phone.get_by_role(
            "heading", name="¡Gracias!" if language == "es" else "Thank you!"
        ).wait_for()
        phone.context.close()


def _staff_answer(browser, server, leader) -> None:
    staff_survey = make_survey(
        leader, title="What gets in the way?", audience="staff", anonymous=True
    )
    colleague = UserFactory(name="Casey Colleague")
    view = new_view(browser, "laptop")
    sign_in(view, server, colleague.email, PASSWORD)
    view.goto(f"{server}/surveys/{staff_survey.id}/answer")
    view.locator(f"label[for$='-{3}']").first.click()
    view.locator("textarea").fill("Fines need a manager's approval")
    view.get_by_role("button", name="Send my answers").click()
    view.get_by_text("Thank you").first.wait_for()
    view.context.close()


def test_build_answer_code_and_close(app, server, browser, page):
    app.config["SURVEY_MIN_FILL_SECONDS"] = 0
    TRIAGE_SHOTS.mkdir(parents=True, exist_ok=True)
    leader = UserFactory(role="leadership", name="Louise Director")
    branch = DepartmentFactory(name="Moore")
    sign_in(page, server, leader.email, PASSWORD)
    survey_id = _build(page, server)

    page.get_by_role("link", name="Posters for every desk").click()
    page.locator(".poster-qr svg").first.wait_for()  # a click navigates: wait, do not peek
    page.go_back()

    token = services.get_survey(survey_id).public_token
    _customer_answers(browser, server, token, branch.id)
    _staff_answer(browser, server, leader)

    # The owner codes with the keyboard: n, save; n, save; e (the suggested barrier).
    page.goto(f"{server}/surveys/{survey_id}")
    page.get_by_role("link", name="Code the comments").click()
    page.get_by_text("0 of 3 coded").wait_for()
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(TRIAGE_SHOTS / "triage-390.png"), full_page=True)
    page.set_viewport_size(LAPTOP)
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.locator(".triage-item.is-current").count() == 1
    assert not axe_problems(page, "triage queue")
    page.screenshot(path=str(TRIAGE_SHOTS / "triage-1366.png"), full_page=True)
    page.keyboard.press("n")
    assert page.get_by_label("What stands in the way?").input_value() == SAID[0][2]
    assert page.get_by_label("Where it came from").input_value() == "survey"
    assert page.get_by_label("Who it affects").input_value() == "customers"
    page.get_by_role("button", name="Report barrier").click()
    page.get_by_text("1 of 3 coded").wait_for()
    page.keyboard.press("n")
    page.get_by_label("What stands in the way?").fill("The library closes too early on Saturdays")
    page.get_by_role("button", name="Report barrier").click()
    page.get_by_text("2 of 3 coded").wait_for()
    assert page.get_by_label("Evidence for").input_value()  # the printers barrier is suggested
    page.keyboard.press("e")
    page.get_by_text("Every comment is coded").wait_for()
    shot(page, "survey-triage-done")

    db.session.expire_all()
    comments = db.session.scalars(
        select(SurveyComment).where(SurveyComment.survey_id == survey_id).order_by(SurveyComment.id)
    ).all()
    assert [c.coded_as for c in comments] == ["new_barrier", "new_barrier", "evidence"]
    printers = db.session.get(Barrier, comments[0].barrier_id)
    assert comments[2].barrier_id == printers.id and printers.source == "survey"

    page.goto(f"{server}/barriers/{printers.id}")
    assert page.get_by_role("heading", name="2 survey comments back this barrier").is_visible()
    evidence = page.locator("#survey-evidence")
    evidence.screenshot(path=str(TRIAGE_SHOTS / "barrier-evidence-1366.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(TRIAGE_SHOTS / "barrier-390.png"), full_page=True)
    page.set_viewport_size(LAPTOP)

    page.goto(f"{server}/surveys/{survey_id}")
    page.get_by_role("button", name="Close and record results").click()
    page.get_by_text("Satisfaction results").first.wait_for()
    db.session.expire_all()
    period = services.today().strftime("%Y-%m")
    result = db.session.scalars(
        select(SatisfactionResult).where(
            SatisfactionResult.period == period, SatisfactionResult.department_id.is_(None)
        )
    ).one()
    assert result.metric == "Customer satisfaction" and result.respondents == 3
    page.goto(f"{server}/satisfaction/?metric=Customer satisfaction")
    shot(page, "survey-closed-satisfaction")
    assert "Customer satisfaction" in page.locator("body").inner_text()
