"""The public answer POST runs a fixed, small set of statements: its owners are never loaded,
and each table gets one INSERT (executemany)."""

from __future__ import annotations

from sqlalchemy import event, func, select

from teams_app.extensions import db
from teams_app.models import SurveyAnswer, SurveyComment, SurveyResponse
from tests.factories import DepartmentFactory

from .helpers import answers, make_survey
from .test_views import form_data


def test_a_public_answer_runs_a_fixed_number_of_statements(client, leader, app):
    app.config["SURVEY_MIN_FILL_SECONDS"] = 0
    branch = DepartmentFactory(name="Moore")
    survey = make_survey(leader)
    url = f"/s/{survey.public_token}?branch={branch.id}"
    forms = [
        form_data(survey, answers(survey), client.get(url).get_data(as_text=True)) for _ in range(4)
    ]
    assert (
        client.post(url, data=forms[0]).status_code == 200
    )  # the first answer locks the questions
    seen: list[str] = []

    def log(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", log)
    try:
        for data in forms[1:3]:
            assert client.post(url, data=data).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    per_answer = len(seen) / 2
    text = "\n".join(seen)
    assert "survey_owners" not in text and "FROM users" not in text
    # survey, key, branch, response, answers (one per row on SQLite), choices, comment, counter
    # + 4 for the search index (the new comment ids, its document read, delete, insert)
    assert per_answer <= 16
    assert sum("INSERT INTO survey_comments" in s for s in seen) == 2
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 3
    assert db.session.scalar(select(func.count()).select_from(SurveyComment)) == 3
    assert db.session.scalar(select(func.count()).select_from(SurveyAnswer)) == 12
    assert client.post(url, data=forms[3]).status_code == 200
    assert client.post(url, data=forms[3]).status_code == 200  # a double submit: still four
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 4
