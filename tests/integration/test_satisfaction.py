"""Satisfaction results: the rules of recording and importing, the change against a baseline,
and the pages (chart, record form, CSV import, home card), driven by the real forms."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from teams_app.activity import describe
from teams_app.errors import Conflict, InvalidInput, NotAllowed, NotFound, RowErrors
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.models import Activity, Initiative, SatisfactionResult
from teams_app.satisfaction import queries, services
from teams_app.satisfaction.services import ResultDetails
from tests.conftest import login, post_form
from tests.factories import DepartmentFactory, UserFactory, make_team

HEADER = "period,metric,score,scale_max,respondents,department"


def details(**changes):
    values = {
        "period": "2026-01",
        "metric": "Customer satisfaction",
        "score": "3.6",
        "scale_max": "5",
        "respondents": "412",
        "department_id": None,
    }
    values.update(changes)
    return ResultDetails(**values)


def result_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SatisfactionResult)) or 0


def twelve_months(start_score: float = 3.6) -> str:
    """2025-04 .. 2026-03: flat for six months, then rising to 4.0."""
    scores = [start_score] * 6 + [3.66, 3.73, 3.8, 3.87, 3.94, 4.0]
    lines = [HEADER]
    for i, score in enumerate(scores):
        year, month = divmod(2025 * 12 + 3 + i, 12)
        lines.append(f"{year}-{month + 1:02d},Customer satisfaction,{score},5,{400 + i},")
    return "\n".join(lines) + "\n"


def completed_initiative(title: str, when: datetime) -> Initiative:
    lead = UserFactory(name=f"Lead of {title}")
    team = make_team(lead, name=f"Team {title}")
    made = initiatives.create_initiative(lead, team, initiatives.Details(title=title))
    row = db.session.get(Initiative, made.id)
    assert row is not None
    row.completed_at = when
    db.session.commit()
    return row


# --- Recording one result -----------------------------------------------------------------------


def test_leadership_records_a_result_with_an_activity_event(leader):
    result = services.record_result(leader, details(score="4.25"))
    assert (result.period, result.metric, result.metric_key) == (
        "2026-01",
        "Customer satisfaction",
        "customer satisfaction",
    )
    assert result.score == Decimal("4.25") and result.scale_max == Decimal("5")
    assert (result.respondents, result.department_key) == (412, 0)
    event = db.session.scalars(
        select(Activity).where(Activity.verb == "recorded_satisfaction")
    ).one()
    assert describe(event) == "recorded Customer satisfaction for January 2026: 4.25 of 5"


def test_staff_may_not_record_results(staff):
    with pytest.raises(NotAllowed):
        services.record_result(staff, details())
    assert result_count() == 0


@pytest.mark.parametrize(
    "period", ["2026-13", "2026-00", "2026-1", "26-01", "January 2026", "2026-01-05", "", None]
)
def test_a_period_that_is_not_a_month_is_refused(leader, period):
    with pytest.raises(InvalidInput) as caught:
        services.record_result(leader, details(period=period))
    assert caught.value.fields["period"] == ["Give the month as YYYY-MM, such as 2026-01."]
    assert result_count() == 0


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("5.01", "The score must be between 0 and 5."),
        ("-0.5", "The score must be between 0 and 5."),
        ("lots", "Give the score as a number, such as 4.2."),
        ("", "Give the score as a number, such as 4.2."),
        ("NaN", "Give the score as a number, such as 4.2."),
        ("Infinity", "Give the score as a number, such as 4.2."),
    ],
)
def test_a_score_outside_its_scale_is_refused(leader, score, message):
    with pytest.raises(InvalidInput) as caught:
        services.record_result(leader, details(score=score))
    assert caught.value.fields == {"score": [message]}
    assert result_count() == 0


@pytest.mark.parametrize("score", ["0", "5", "4.2", 3.75, Decimal("2.5")])
def test_scores_from_zero_to_the_top_of_the_scale_with_decimals_are_kept(leader, score):
    result = services.record_result(leader, details(score=score))
    assert result.score == Decimal(str(score))


@pytest.mark.parametrize("scale", ["0", "-5", "five", "10001"])
def test_the_top_of_the_scale_must_be_a_positive_number(leader, scale):
    with pytest.raises(InvalidInput) as caught:
        services.record_result(leader, details(scale_max=scale, score="0"))
    assert list(caught.value.fields) == ["scale_max"]


@pytest.mark.parametrize("respondents", ["-1", "2.5", "many", ""])
def test_respondents_must_be_a_whole_number_of_zero_or_more(leader, respondents):
    with pytest.raises(InvalidInput) as caught:
        services.record_result(leader, details(respondents=respondents))
    assert list(caught.value.fields) == ["respondents"]


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("  ", "Name the metric, such as “Customer satisfaction”."),
        ("x" * 81, "Use at most 80 characters."),
    ],
)
def test_the_metric_is_required_and_short(leader, metric, message):
    with pytest.raises(InvalidInput) as caught:
        services.record_result(leader, details(metric=metric))
    assert caught.value.fields == {"metric": [message]}


def test_an_unknown_department_is_refused(leader):
    with pytest.raises(InvalidInput) as caught:
        services.record_result(leader, details(department_id=999_999))
    assert caught.value.fields == {"department_id": ["There is no such department."]}


def test_every_problem_is_reported_together(leader):
    with pytest.raises(InvalidInput) as caught:
        services.record_result(leader, details(period="2026-13", score="9", respondents="-2"))
    assert set(caught.value.fields) == {"period", "score", "respondents"}


def test_the_same_period_metric_and_department_twice_is_a_conflict(leader):
    services.record_result(leader, details())
    with pytest.raises(Conflict) as caught:
        services.record_result(leader, details(metric="  customer   SATISFACTION ", score="4"))
    assert caught.value.status == 409
    assert "Customer satisfaction for January 2026 (organisation-wide) is already recorded" in (
        caught.value.message
    )
    assert result_count() == 1


def test_a_department_result_sits_beside_the_organisation_wide_one(leader):
    dept = DepartmentFactory(name="Norman")
    services.record_result(leader, details())
    result = services.record_result(leader, details(department_id=dept.id, score="4.1"))
    assert (result.department_id, result.department_key) == (dept.id, dept.id)
    with pytest.raises(Conflict, match=r"\(Norman\)"):
        services.record_result(leader, details(department_id=dept.id))


def test_a_metric_keeps_the_spelling_it_was_first_recorded_with(leader):
    services.record_result(leader, details())
    later = services.record_result(
        leader, details(period="2026-02", metric="customer SATISFACTION")
    )
    assert later.metric == "Customer satisfaction"


# --- CSV import ---------------------------------------------------------------------------------


def test_a_twelve_month_csv_imports_every_row_with_one_activity_event(leader):
    created = services.import_csv(leader, twelve_months())
    assert len(created) == 12 and result_count() == 12
    events = db.session.scalars(select(Activity).where(Activity.verb == "imported_satisfaction"))
    assert [describe(e) for e in events] == [
        "imported 12 satisfaction results (Customer satisfaction, April 2025 to March 2026)"
    ]


def test_a_csv_with_a_bad_row_imports_nothing_and_lists_the_exact_problems(leader):
    text = (
        f"{HEADER}\n"
        "2026-01,Customer satisfaction,3.6,5,412,\n"
        "2026-13,Customer satisfaction,3.7,5,398,\n"
        "2026-03,Customer satisfaction,5.5,5,401,\n"
        "2026-04,Customer satisfaction,3.9,5,-3,Nowhere\n"
    )
    with pytest.raises(RowErrors) as caught:
        services.import_csv(leader, text)
    assert caught.value.status == 422
    assert caught.value.message == (
        "Nothing was imported: 3 rows have problems. Correct them and import the whole file again."
    )
    assert caught.value.rows == [
        {"row": 3, "field": "period", "message": "Give the month as YYYY-MM, such as 2026-01."},
        {"row": 4, "field": "score", "message": "The score must be between 0 and 5."},
        {
            "row": 5,
            "field": "respondents",
            "message": "The number of respondents must be 0 or more.",
        },
        {"row": 5, "field": "department", "message": "There is no department named “Nowhere”."},
    ]
    assert caught.value.fields["score"] == ["Row 4: The score must be between 0 and 5."]
    assert result_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_duplicates_inside_the_file_and_against_the_database_are_row_problems(leader):
    services.record_result(leader, details(period="2026-02"))
    text = (
        f"{HEADER}\n"
        "2026-01,Customer satisfaction,3.6,5,412,\n"
        "2026-01,customer satisfaction,3.7,5,398,\n"
        "2026-02,Customer satisfaction,3.8,5,401,\n"
    )
    with pytest.raises(RowErrors) as caught:
        services.import_csv(leader, text)
    assert caught.value.rows == [
        {
            "row": 3,
            "field": "period",
            "message": "Row 2 already has Customer satisfaction for January 2026 "
            "(organisation-wide).",
        },
        {
            "row": 4,
            "field": "period",
            "message": "Customer satisfaction for February 2026 (organisation-wide) is already "
            "recorded.",
        },
    ]
    assert result_count() == 1


def test_departments_are_named_or_given_by_id(leader):
    norman = DepartmentFactory(name="Norman")
    moore = DepartmentFactory(name="Moore")
    services.import_csv(leader, f"{HEADER}\n2026-01,CSAT,4,5,50,norman\n2026-01,CSAT,4,5,50,\n")
    services.import_csv(
        leader,
        f"period,metric,score,scale_max,respondents,department_id\n2026-01,CSAT,3,5,9,{moore.id}\n",
    )
    keys = set(db.session.execute(select(SatisfactionResult.department_key)).scalars())
    assert keys == {0, norman.id, moore.id}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [{"row": 1, "field": "csv", "message": "The file is empty."}]),
        (
            f"{HEADER}\n",
            [{"row": 2, "field": "csv", "message": "There are no rows to import."}],
        ),
        (
            "period,metric,score,respondents\n2026-01,X,1,2\n",
            [{"row": 1, "field": "scale_max", "message": "This column is missing."}],
        ),
        (
            f"{HEADER},notes\n2026-01,X,1,5,2,,hi\n",
            [
                {
                    "row": 1,
                    "field": "notes",
                    "message": "Unknown column: use period, metric, score, scale_max, "
                    "respondents and optionally department (a name) or department_id.",
                }
            ],
        ),
        (
            f"{HEADER}\n2026-01,X,1,5,2,,surplus\n",
            [
                {
                    "row": 2,
                    "field": "csv",
                    "message": "This row has more values than the header has columns.",
                }
            ],
        ),
    ],
)
def test_a_file_that_cannot_be_read_as_the_expected_csv_is_refused(leader, text, expected):
    with pytest.raises(RowErrors) as caught:
        services.import_csv(leader, text)
    assert caught.value.rows == expected
    assert result_count() == 0


def test_blank_rows_and_a_byte_order_mark_are_ignored(leader):
    text = "\ufeff" + HEADER + "\n2026-01,X,1,5,2,\n,,,,,\n\n2026-02,X,2,5,2,\n"
    assert len(services.import_csv(leader, text)) == 2


def test_staff_may_not_import(staff):
    with pytest.raises(NotAllowed):
        services.import_csv(staff, twelve_months())


# --- The change against a baseline --------------------------------------------------------------


def test_summary_states_the_relative_change_of_the_share_of_scale(leader):
    services.import_csv(leader, twelve_months())
    s = queries.summary("Customer satisfaction")
    assert (s.baseline.period, s.baseline.score, s.baseline.percent) == (
        "2025-04",
        Decimal("3.6"),
        72.0,
    )
    assert (s.latest.period, s.latest.score, s.latest.percent) == ("2026-03", Decimal("4"), 80.0)
    assert s.change_pct == 11.1  # (80 - 72) / 72 * 100 = 11.11…
    assert s.change_text == "+11.1% since April 2025"
    later = queries.summary("customer satisfaction", baseline="2025-12")
    assert later.baseline.score == Decimal("3.8")
    assert later.change_pct == 5.3  # (80 - 76) / 76 * 100 = 5.26…


def test_summary_compares_shares_of_scale_when_the_scale_changes(leader):
    services.record_result(leader, details(period="2026-01", score="3", scale_max="5"))
    services.record_result(leader, details(period="2026-02", score="66", scale_max="100"))
    s = queries.summary("Customer satisfaction")
    assert s.change_pct == 10.0  # 60% → 66%
    assert s.change_text == "+10.0% since January 2026"


def test_summary_of_a_fall_and_of_a_zero_baseline(leader):
    services.record_result(leader, details(period="2026-01", score="0"))
    services.record_result(leader, details(period="2026-02", score="4"))
    services.record_result(leader, details(period="2026-03", score="3"))
    assert queries.summary("Customer satisfaction").change_pct is None
    fall = queries.summary("Customer satisfaction", baseline="2026-02")
    assert fall.change_pct == -25.0 and fall.change_text == "-25.0% since February 2026"


def test_summary_refuses_an_unknown_metric_and_a_baseline_without_a_result(leader):
    services.record_result(leader, details())
    with pytest.raises(NotFound):
        queries.summary("Staff engagement")
    with pytest.raises(InvalidInput) as caught:
        queries.summary("Customer satisfaction", baseline="2025-06")
    assert list(caught.value.fields) == ["baseline"]
    with pytest.raises(InvalidInput):
        queries.summary("Customer satisfaction", baseline="June")


def test_summary_for_one_department(leader):
    dept = DepartmentFactory(name="Norman")
    services.record_result(leader, details(period="2026-01", score="4", department_id=dept.id))
    services.record_result(leader, details(period="2026-02", score="4.4", department_id=dept.id))
    services.record_result(leader, details(period="2026-02", score="1"))
    assert queries.summary("Customer satisfaction", department_id=dept.id).change_pct == 10.0


# --- Pages --------------------------------------------------------------------------------------


def test_everyone_sees_the_empty_state(client, staff):
    login(client, staff)
    html = client.get("/satisfaction/").get_data(as_text=True)
    assert "No survey results yet" in html
    assert "Record a result" not in html and "Import CSV" not in html


def test_a_twelve_month_import_then_the_page_shows_the_trend_and_a_completion_marker(
    client, leader, staff
):
    completed_initiative("Self-checkout moved", datetime(2025, 10, 15, 12, tzinfo=UTC))
    completed_initiative("Long ago", datetime(2024, 1, 5, tzinfo=UTC))  # outside the span
    login(client, leader)
    response = post_form(
        client,
        "/satisfaction/import",
        {"csv_text": twelve_months()},
        token_from="/satisfaction/import",
    )
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 12 results." in follow

    client._cookies.clear()
    login(client, staff)
    html = client.get("/satisfaction/").get_data(as_text=True)
    assert "Customer satisfaction" in html
    assert "+11.1% since April 2025" in html
    assert html.count('class="dot ') == 12
    assert html.count('<g class="completion-marker">') == 1
    assert "Self-checkout moved" in html and "Long ago" not in html
    # The accessible table carries every month and the completion in its month.
    assert '<th scope="row">March 2026</th>' in html
    assert re.search(r"October 2025</th>.*?Self-checkout moved</td>", html, re.S)
    chosen = client.get("/satisfaction/?baseline=2025-12").get_data(as_text=True)
    assert "+5.3% since December 2025" in chosen


def test_filters_by_metric_and_department(client, leader):
    dept = DepartmentFactory(name="Norman")
    services.record_result(leader, details())
    services.record_result(leader, details(metric="Staff engagement", scale_max="10", score="7"))
    services.record_result(leader, details(department_id=dept.id, score="4.5"))
    login(client, leader)
    one = client.get("/satisfaction/?metric=staff+engagement").get_data(as_text=True)
    assert 'id="metric-1-h">Staff engagement' in one and "metric-2-h" not in one
    by_dept = client.get(f"/satisfaction/?department_id={dept.id}").get_data(as_text=True)
    assert "4.5</span>" in by_dept and "Staff engagement</h2>" not in by_dept
    none = client.get("/satisfaction/?metric=nothing").get_data(as_text=True)
    assert "No results match" in none


def test_a_missing_baseline_falls_back_to_the_earliest_month(client, leader):
    services.record_result(leader, details(period="2026-01"))
    services.record_result(leader, details(period="2026-02", score="3.96"))
    services.record_result(leader, details(metric="Other", period="2026-03"))
    login(client, leader)
    html = client.get("/satisfaction/?baseline=2026-03").get_data(as_text=True)
    assert "+10.0% since January 2026" in html
    assert "No result for March 2026: compared with the earliest month." in html


FORM = {
    "period": "2026-01",
    "metric": "Customer satisfaction",
    "score": "3.6",
    "scale_max": "5",
    "respondents": "412",
    "department_id": "0",
}


def test_leadership_records_a_result_with_the_form(client, leader):
    login(client, leader)
    response = post_form(client, "/satisfaction/new", FORM, token_from="/satisfaction/new")
    assert response.status_code == 302
    assert "metric=customer+satisfaction" in response.headers["Location"]
    assert result_count() == 1


def test_the_form_rerenders_with_the_input_kept_and_the_problem_beside_the_field(client, leader):
    login(client, leader)
    response = post_form(
        client, "/satisfaction/new", {**FORM, "score": "7.5"}, token_from="/satisfaction/new"
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="score-error"' in html and "The score must be between 0 and 5." in html
    assert 'value="7.5"' in html and 'value="Customer satisfaction"' in html
    assert result_count() == 0


def test_a_duplicate_from_the_form_answers_409_with_the_reason(client, leader):
    services.record_result(leader, details())
    login(client, leader)
    response = post_form(client, "/satisfaction/new", FORM, token_from="/satisfaction/new")
    assert response.status_code == 409
    assert "is already recorded" in response.get_data(as_text=True)
    assert result_count() == 1


def test_a_refused_import_shows_each_row_problem_and_keeps_the_text(client, leader):
    login(client, leader)
    text = (
        f"{HEADER}\n"
        "2026-01,Customer satisfaction,3.6,5,412,\n"
        "2026-02,Customer satisfaction,6,5,1,\n"
    )
    response = post_form(
        client, "/satisfaction/import", {"csv_text": text}, token_from="/satisfaction/import"
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert re.search(
        r'<th scope="row">3</th><td><code>score</code></td><td>The score must be between 0 and 5.',
        html,
    )
    assert "2026-02,Customer satisfaction,6,5,1," in html  # kept in the box
    assert result_count() == 0


def test_an_import_from_an_uploaded_file(client, leader):
    login(client, leader)
    upload = (io.BytesIO(twelve_months().encode("utf-8-sig")), "results.csv")
    response = post_form(
        client,
        "/satisfaction/import",
        {"csv_file": upload},
        token_from="/satisfaction/import",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert result_count() == 12


def test_an_import_with_nothing_sent_asks_for_a_file(client, leader):
    login(client, leader)
    response = post_form(client, "/satisfaction/import", {}, token_from="/satisfaction/import")
    assert response.status_code == 422
    assert "Choose a CSV file or paste its text." in response.get_data(as_text=True)


def test_staff_cannot_open_the_leadership_pages(client, staff):
    login(client, staff)
    assert client.get("/satisfaction/new").status_code == 403
    assert client.get("/satisfaction/import").status_code == 403


def test_the_example_csv_imports_as_it_is(client, leader):
    login(client, leader)
    body = client.get("/satisfaction/template.csv").get_data(as_text=True)
    assert len(services.import_csv(leader, body)) == 2


def test_the_home_page_shows_the_latest_result(client, leader, staff):
    services.import_csv(leader, twelve_months())
    login(client, staff)
    html = client.get("/").get_data(as_text=True)
    assert "Latest survey results" in html
    assert ">Customer satisfaction</a>" in html and "March 2026" in html
    # One convention everywhere: the relative change of the score (78.8% → 80% of the scale).
    assert "+1.5% since February 2026" in html and "points" not in html


def test_the_home_page_has_no_card_without_results(client, staff):
    login(client, staff)
    assert "Latest survey results" not in client.get("/").get_data(as_text=True)


# --- Fixed numbers of queries -------------------------------------------------------------------


def _bulk(leader, months: int, metrics: int) -> None:
    lines = [HEADER]
    for m in range(metrics):
        for i in range(months):
            year, month = divmod(2000 * 12 + i, 12)
            lines.append(f"{year}-{month + 1:02d},Metric {m},{i % 5},5,10,")
    services.import_csv(leader, "\n".join(lines))


def test_the_page_runs_a_fixed_number_of_queries(client, leader, count_queries):
    login(client, leader)
    _bulk(leader, 12, 1)
    completed_initiative("Marker", datetime(2000, 6, 1, tzinfo=UTC))
    client.get("/satisfaction/")
    small = count_queries(lambda: client.get("/satisfaction/"))
    db.session.execute(SatisfactionResult.__table__.delete())
    db.session.commit()
    _bulk(leader, 120, 5)  # 600 results
    large = count_queries(lambda: client.get("/satisfaction/"))
    assert small == large, f"{small} queries with 12 results, {large} with 600"


def test_the_home_card_runs_a_fixed_number_of_queries(client, leader, count_queries):
    login(client, leader)
    _bulk(leader, 12, 1)
    client.get("/")
    small = count_queries(lambda: client.get("/"))
    _bulk_more = [HEADER] + [
        f"{2010 + i // 12}-{i % 12 + 1:02d},Metric {m},3,5,10,"
        for m in range(5)
        for i in range(118)
    ]
    services.import_csv(leader, "\n".join(_bulk_more))
    assert count_queries(lambda: client.get("/")) == small


def test_the_home_page_shows_every_metric_of_the_newest_month(client, leader, staff):
    dept = DepartmentFactory(name="Norman")
    services.record_result(leader, details(period="2026-02", score="4"))
    services.record_result(leader, details(period="2026-02", metric="Staff engagement", score="3"))
    services.record_result(leader, details(period="2026-03", score="4.5", department_id=dept.id))
    login(client, staff)
    html = client.get("/").get_data(as_text=True)
    assert ">Customer satisfaction</a>" in html and ">Staff engagement</a>" in html
    assert "4.5" not in html  # a department's result is not the organisation's


def test_demo_results_rise_after_the_teams_started_and_seed_once(app):
    from teams_app.demo import demo_email, seed_satisfaction

    UserFactory(email=demo_email("Louise Director"), role="leadership")
    DepartmentFactory(name="Norman")
    DepartmentFactory(name="Moore")
    assert seed_satisfaction() == 27
    assert seed_satisfaction() == 0
    customers = queries.summary("Customer satisfaction")
    assert (customers.baseline.percent, customers.latest.percent) == (72.0, 80.0)
    assert customers.change_pct == 11.1
    assert queries.summary("Staff engagement").change_pct == 10.3
