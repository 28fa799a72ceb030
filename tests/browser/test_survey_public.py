"""A customer answers a survey in Spanish on a phone, from a branch's link (what the poster's QR
code opens), in a real Chromium: a rating left out first, then the whole form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from teams_app.extensions import db
from teams_app.models import SurveyResponse
from tests.browser.conftest import shot
from tests.factories import DepartmentFactory, UserFactory
from tests.integration.surveys.helpers import make_survey

pytestmark = pytest.mark.browser


def test_a_customer_answers_in_spanish_on_a_phone(app, server, phone):
    app.config["SURVEY_MIN_FILL_SECONDS"] = 0
    leader = UserFactory(role="leadership", name="Louise Director")
    branch = DepartmentFactory(name="Moore")
    survey = make_survey(leader)
    phone.goto(f"{server}/s/{survey.public_token}?branch={branch.id}")
    phone.get_by_role("link", name="Español").click()
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.get_by_role("heading", name="Experiencia del cliente").is_visible()
    phone.get_by_label("Computadoras").check()
    phone.get_by_label("¿Qué le estorbó?").fill("La impresora no tenía papel.")
    phone.get_by_role("button", name="Enviar mis respuestas").click()
    assert phone.get_by_text("Responda esta pregunta, por favor.").first.is_visible()
    assert phone.get_by_label("¿Qué le estorbó?").input_value() == "La impresora no tenía papel."
    assert phone.get_by_label("Computadoras").is_checked()
    shot(phone, "survey-phone-es-refused")
    phone.locator("label[for$='-4']").first.click()  # four stars
    phone.get_by_label("En persona").check()
    phone.get_by_role("button", name="Enviar mis respuestas").click()
    phone.get_by_role("heading", name="¡Gracias!").wait_for()
    shot(phone, "survey-phone-es-thanks")
    db.session.expire_all()
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.language == "es" and stored.department_id == branch.id
    assert stored.user_id is None
    assert {a.question.kind: a for a in stored.answers}["rating5"].value == 4
