"""Survey pages: the builder, preview, staff answering, home card, and the public pages
(branch link, kiosk, language, honeypot, fill time, double submit, rate limit, CSRF)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from teams_app.extensions import db
from teams_app.models import Department, SatisfactionResult, Survey, SurveyResponse
from teams_app.surveys import public, services
from tests.conftest import CSRF_RE, csrf_from, login
from tests.factories import DepartmentFactory

from .helpers import answers, make_survey, q, today

KEY_RE = re.compile(
    r'name="submission_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission_key"'
)


def responses() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def form_data(survey, ans: dict, page: str) -> dict:
    data: dict = {"csrf_token": CSRF_RE.search(page).group(1)}
    found = KEY_RE.search(page)
    if found:
        data["submission_key"] = found.group(1) or found.group(2)
    for qid, value in ans.items():
        data[f"q{qid}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


@pytest.fixture
def no_wait(app):
    app.config["SURVEY_MIN_FILL_SECONDS"] = 0


# --- Builder ------------------------------------------------------------------------------------


def test_leadership_builds_a_survey_with_the_form(client, leader):
    login(client, leader)
    token = csrf_from(client, "/surveys/new")
    data = {
        "csrf_token": token,
        "title": "Desk survey",
        "audience": "customers",
        "opens_on": today().isoformat(),
        "closes_on": (today() + timedelta(days=7)).isoformat(),
        "offer_es": "y",
        "title_es": "Encuesta",
        "questions-0-kind": "rating5",
        "questions-0-text_en": "How was it?",
        "questions-0-text_es": "¿Cómo fue?",
        "questions-0-required": "y",
        "questions-0-metric": "Customer satisfaction",
        "questions-0-position": "2",
        "questions-1-kind": "single",
        "questions-1-text_en": "Which way?",
        "questions-1-text_es": "¿Por dónde?",
        "questions-1-choices_en": "Door\nWindow",
        "questions-1-choices_es": "Puerta\nVentana",
        "questions-1-position": "1",
        "questions-2-kind": "",
        "questions-2-text_en": "",
    }
    response = client.post("/surveys/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    survey = db.session.scalars(select(Survey)).one()
    assert [x.kind for x in survey.questions] == ["single", "rating5"]  # ordered by number
    assert [c.text for c in survey.questions[0].choices] == [
        {"en": "Door", "es": "Puerta"},
        {"en": "Window", "es": "Ventana"},
    ]
    page = client.get(f"/surveys/{survey.id}/edit").get_data(as_text=True)
    assert "Which way?" in page and "Puerta\nVentana" in page
    preview = client.get(f"/surveys/{survey.id}/preview?lang=es").get_data(as_text=True)
    assert "¿Por dónde?" in preview and "Enviar mis respuestas" in preview and "disabled" in preview


def test_a_refused_builder_keeps_what_was_typed(client, leader):
    login(client, leader)
    token = csrf_from(client, "/surveys/new")
    response = client.post(
        "/surveys/new",
        data={
            "csrf_token": token,
            "title": "Desk survey",
            "audience": "customers",
            "opens_on": today().isoformat(),
            "closes_on": today().isoformat(),
            "questions-0-kind": "single",
            "questions-0-text_en": "Only one choice here",
            "questions-0-choices_en": "Lonely",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give at least two choices." in page and "Only one choice here" in page
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0


def test_staff_cannot_open_the_builder(client, staff):
    login(client, staff)
    assert client.get("/surveys/new").status_code == 403


def test_publish_close_and_copy_from_the_survey_page(client, leader):
    survey = make_survey(leader, publish=False)
    login(client, leader)
    token = csrf_from(client, f"/surveys/{survey.id}")
    assert (
        client.post(f"/surveys/{survey.id}/publish", data={"csrf_token": token}).status_code == 302
    )
    db.session.expire_all()
    for n in range(5):
        services.respond_publicly(
            services.get_survey(survey.id),
            services.Submission(answers(survey), submission_key=f"k{n}"),
        )
    client.post(f"/surveys/{survey.id}/close", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).status == "closed"
    assert db.session.scalar(select(func.count()).select_from(SatisfactionResult)) == 1
    response = client.post(f"/surveys/{survey.id}/copy", data={"csrf_token": token})
    wave2 = db.session.scalars(select(Survey).where(Survey.previous_wave_id == survey.id)).one()
    assert response.headers["Location"].endswith(f"/surveys/{wave2.id}/edit")


def test_poster_has_a_qr_code_per_desk(client, leader):
    DepartmentFactory(name="North Desk")
    DepartmentFactory(name="South Desk")
    survey = make_survey(leader)
    login(client, leader)
    page = client.get(f"/surveys/{survey.id}/poster").get_data(as_text=True)
    desks = db.session.scalar(select(func.count()).select_from(Department))
    assert page.count("<svg") == desks == 3 and "North Desk" in page and "South Desk" in page
    assert f"/s/{survey.public_token}?branch=" in page


# --- Staff --------------------------------------------------------------------------------------


def test_home_card_and_staff_answering(client, leader, staff):
    survey = make_survey(leader, audience="staff", anonymous=True)
    login(client, staff)
    home = client.get("/").get_data(as_text=True)
    assert survey.title in home and "1 minute, closes" in home
    page = client.get(f"/surveys/{survey.id}/answer").get_data(as_text=True)
    assert "anonymous" in page
    ans = answers(survey)
    missing = dict(ans)
    del missing[q(survey, "rating5").id]
    response = client.post(f"/surveys/{survey.id}/answer", data=form_data(survey, missing, page))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Please answer this question." in body
    assert "Too few computers" in body  # the other answers are kept
    response = client.post(f"/surveys/{survey.id}/answer", data=form_data(survey, ans, page))
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    again = client.post(f"/surveys/{survey.id}/answer", data=form_data(survey, ans, page))
    assert "already answered" in again.get_data(as_text=True)
    assert responses() == 1
    assert db.session.scalars(select(SurveyResponse)).one().user_id is None
    assert survey.title not in client.get("/").get_data(as_text=True)


def test_a_closed_staff_survey_shows_a_clear_page(client, leader, staff):
    survey = make_survey(leader, audience="staff")
    services.close(leader, services.get_survey(survey.id))
    login(client, staff)
    response = client.get(f"/surveys/{survey.id}/answer")
    assert response.status_code == 409 and "This survey is closed" in response.get_data(
        as_text=True
    )


# --- Public -------------------------------------------------------------------------------------


def test_a_customer_answers_in_spanish_through_a_branch_link(client, leader, no_wait):
    branch = DepartmentFactory(name="Moore")
    survey = make_survey(leader)
    url = f"/s/{survey.public_token}?branch={branch.id}&lang=es"
    page = client.get(url).get_data(as_text=True)
    assert '<html lang="es">' in page and "¿Qué tan satisfecho está?" in page
    assert "Enviar mis respuestas" in page and "Experiencia del cliente" in page
    bad = answers(survey)
    bad[q(survey, "rating5").id] = 9
    response = client.post(url, data=form_data(survey, bad, page))
    assert response.status_code == 422
    assert "Elija una calificación del 1 al 5." in response.get_data(as_text=True)
    data = form_data(survey, answers(survey), page)
    assert client.post(url, data=data).status_code == 200
    assert client.post(url, data=data).status_code == 200  # the double submit
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.language == "es" and stored.department_id == branch.id and stored.user_id is None


def test_honeypot_and_fill_time_store_nothing(client, leader, app):
    survey = make_survey(leader)
    url = f"/s/{survey.public_token}"
    page = client.get(url).get_data(as_text=True)
    data = form_data(survey, answers(survey), page)
    app.config["SURVEY_MIN_FILL_SECONDS"] = 0
    trapped = client.post(url, data={**data, "website": "http://spam.example"})
    assert trapped.status_code == 200 and "Thank you" in trapped.get_data(as_text=True)
    app.config["SURVEY_MIN_FILL_SECONDS"] = 60
    quick = client.post(url, data=data)
    assert quick.status_code == 422 and "That was quick" in quick.get_data(as_text=True)
    assert "Too few computers" in quick.get_data(as_text=True)
    forged = client.post(url, data={**data, "submission_key": "forged"})
    assert forged.status_code == 400
    assert responses() == 0


def test_the_public_form_needs_its_csrf_token(client, leader, no_wait):
    survey = make_survey(leader)
    url = f"/s/{survey.public_token}"
    page = client.get(url).get_data(as_text=True)
    data = form_data(survey, answers(survey), page)
    data["csrf_token"] = "stale"
    response = client.post(url, data=data)
    assert response.status_code == 400 and "open too long" in response.get_data(as_text=True)
    assert "Too few computers" in response.get_data(as_text=True)
    assert responses() == 0


def test_kiosk_resets_after_each_answer(client, leader, no_wait):
    survey = make_survey(leader)
    url = f"/s/{survey.public_token}/kiosk"
    for n in range(2):
        page = client.get(url).get_data(as_text=True)
        thanks = client.post(url, data=form_data(survey, answers(survey, rating=n + 1), page))
        body = thanks.get_data(as_text=True)
        assert 'http-equiv="refresh"' in body and f"url=/s/{survey.public_token}/kiosk" in body
    assert responses() == 2
    assert {r.channel for r in db.session.scalars(select(SurveyResponse))} == {"kiosk"}


def test_closed_unopened_and_draft_public_pages(client, leader):
    draft = make_survey(leader, publish=False)
    assert client.get(f"/s/{draft.public_token}").status_code == 404
    later = make_survey(leader, publish=False, opens_on=today() + timedelta(days=3))
    services.publish(leader, services.get_survey(later.id))
    response = client.get(f"/s/{later.public_token}?lang=es")
    assert response.status_code == 409 and "aún no está abierta" in response.get_data(as_text=True)
    assert responses() == 0


@pytest.mark.parametrize(
    "app", [{"RATELIMIT_ENABLED": True, "SURVEY_PUBLIC_LIMIT": "3 per minute"}], indirect=True
)
def test_public_answers_are_rate_limited_per_address(client, leader, no_wait):
    survey = make_survey(leader)
    url = f"/s/{survey.public_token}"
    statuses = []
    for _ in range(4):
        page = client.get(url).get_data(as_text=True)
        statuses.append(client.post(url, data=form_data(survey, answers(survey), page)).status_code)
    assert statuses == [200, 200, 200, 429]
    assert responses() == 3


def test_form_token_round_trip(app):
    with app.test_request_context():
        token = public.new_form_token()
        key, elapsed = public.read_form_token(token)
        assert key and 0 <= elapsed < 5
        assert public.read_form_token(token + "x") is None
