"""Survey results: per question figures, the branch filter and the anonymity threshold, waves,
the results page (SVG charts with their tables, filters, empty states), the CSV export, and a
fixed number of queries at 20,000 answers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from teams_app.surveys import results, services
from teams_app.surveys.services import QuestionDetails, Submission
from tests.conftest import login
from tests.factories import DepartmentFactory, UserFactory

from .bulk import bulk_answer
from .helpers import answers, make_survey, q


def answer(survey, n: int, *, department_id=None, rating=4, text="Too few computers", key="r"):
    for i in range(n):
        services.respond_publicly(
            services.get_survey(survey.id),
            Submission(
                answers(survey, rating=rating, text=text),
                department_id=department_id,
                submission_key=f"{key}-{department_id}-{i}",
            ),
        )


def by_question(found: results.Results) -> dict[str, results.QuestionResult]:
    return {r.kind.value: r for r in found.questions}


@pytest.fixture
def survey(leader):
    return make_survey(leader)


# --- Figures ------------------------------------------------------------------------------------


def test_per_question_counts_means_and_choice_counts(survey):
    answer(survey, 3, rating=5, key="a")
    answer(survey, 1, rating=2, text=None, key="b")
    found = results.results(services.get_survey(survey.id))
    got = by_question(found)
    assert found.respondents == 4
    rating = got["rating5"]
    assert rating.count == 4
    assert rating.mean == Decimal("4.25")
    assert [(b.value, b.count) for b in rating.distribution] == [
        (1, 0),
        (2, 1),
        (3, 0),
        (4, 0),
        (5, 3),
    ]
    assert rating.distribution[4].share == 75.0
    single, multiple = got["single"], got["multiple"]
    assert [b.count for b in single.distribution] == [4, 0]
    assert single.distribution[0].label == "In person"
    assert [b.count for b in multiple.distribution] == [4, 0, 4]  # each picked two
    assert multiple.count == 4
    assert got["long_text"].count == 3 and got["long_text"].distribution == []
    assert got["long_text"].mean is None


def test_a_survey_without_answers_gives_zero_counts(survey):
    found = results.results(survey)
    assert found.respondents == 0
    assert all(r.count == 0 for r in found.questions)
    assert found.questions[0].mean is None


def test_filter_by_branch_and_groups_under_the_threshold(survey):
    big = DepartmentFactory(name="Central")
    small = DepartmentFactory(name="Hillside")
    answer(survey, 5, department_id=big.id, rating=5, key="big")
    answer(survey, 2, department_id=small.id, rating=1, key="small")
    found = results.results(services.get_survey(survey.id))
    assert [(g.name, g.respondents) for g in found.groups] == [("Central", 5)]
    central = results.results(services.get_survey(survey.id), big.id)
    assert central.respondents == 5 and central.department == "Central"
    assert by_question(central)["rating5"].mean == Decimal("5.00")
    with pytest.raises(results.GroupTooSmall) as refused:
        results.results(services.get_survey(survey.id), small.id)
    assert "Fewer than 5 people answered for Hillside" in refused.value.message
    assert refused.value.fields["department_id"]
    with pytest.raises(results.InvalidInput):
        results.results(services.get_survey(survey.id), 999_999)


def test_the_threshold_comes_from_config(app, survey):
    app.config["SURVEY_MIN_GROUP"] = 2
    small = DepartmentFactory(name="Hillside")
    answer(survey, 2, department_id=small.id, key="s")
    assert results.results(services.get_survey(survey.id), small.id).respondents == 2


def test_an_anonymous_survey_under_the_threshold_shows_nothing(leader):
    survey = make_survey(leader, audience="staff", anonymous=True)
    people = [UserFactory(name=f"Person {i}") for i in range(5)]
    for person in people[:4]:
        services.respond_as_staff(
            person, services.get_survey(survey.id), Submission(answers(survey))
        )
    found = results.results(services.get_survey(survey.id))
    assert found.withheld and "at least 5" in found.withheld
    assert found.questions == []
    services.respond_as_staff(
        people[4], services.get_survey(survey.id), Submission(answers(survey))
    )
    found = results.results(services.get_survey(survey.id))
    assert found.withheld is None and found.questions[0].count == 5


def test_a_department_question_leaves_out_small_groups(leader):
    qs = [
        QuestionDetails("rating5", {"en": "How is it?"}, required=True),
        QuestionDetails("department", {"en": "Which branch?"}),
    ]
    survey = make_survey(leader, questions=qs, languages=["en"], title_i18n={})
    big, small = DepartmentFactory(name="Central"), DepartmentFactory(name="Hillside")
    bulk_answer(survey, 6, departments=[big.id], prefix="b")
    bulk_answer(survey, 3, departments=[small.id], prefix="s")
    dept = by_question(results.results(services.get_survey(survey.id)))["department"]
    assert dept.count == 9
    assert [(b.label, b.count) for b in dept.distribution] == [("Central", 6)]
    assert dept.hidden_groups == 1


def test_waves_lists_the_whole_series(leader, survey):
    services.close(leader, services.get_survey(survey.id))
    second = services.copy_for_next_wave(leader, services.get_survey(survey.id))
    services.publish(leader, services.get_survey(second.id))
    draft = services.copy_for_next_wave(leader, services.get_survey(second.id))
    assert [(w.id, w.wave) for w in results.waves(services.get_survey(second.id))] == [
        (survey.id, 1),
        (second.id, 2),
    ]
    assert [w.wave for w in results.waves(services.get_survey(draft.id))] == [1, 2, 3]


# --- Who sees them ------------------------------------------------------------------------------


def test_owners_and_leadership_see_results_everyone_once_closed(client, leader, staff, survey):
    login(client, staff)
    assert client.get(f"/surveys/{survey.id}/results").status_code == 403
    assert client.get(f"/surveys/{survey.id}/comparison").status_code == 403
    assert client.get(f"/surveys/{survey.id}/results.csv").status_code == 403
    services.close(leader, services.get_survey(survey.id))
    assert client.get(f"/surveys/{survey.id}/results").status_code == 200
    assert client.get(f"/surveys/{survey.id}/results.csv").status_code == 403
    draft = make_survey(leader, publish=False)
    assert client.get(f"/surveys/{draft.id}/results").status_code == 404


def test_a_named_owner_sees_results_of_an_open_survey(client, leader, staff, survey):
    services.set_owners(leader, services.get_survey(survey.id), [staff.id])
    login(client, staff)
    assert client.get(f"/surveys/{survey.id}/results").status_code == 200


# --- The page -----------------------------------------------------------------------------------


def test_the_page_draws_accessible_charts_with_their_tables(client, leader, survey):
    answer(survey, 6, rating=4, key="p")
    login(client, leader)
    page = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert page.count('role="img"') == 3  # rating, single, multiple; text has no chart
    assert '<title id="q' in page
    assert "mean 4.00 of 5" in page
    assert "survey-result-table" in page
    assert "6 comments" in page
    assert "Export answers (CSV)" in page


def test_the_page_filters_and_refuses_a_small_group(client, leader, survey):
    big, small = DepartmentFactory(name="Central"), DepartmentFactory(name="Hillside")
    answer(survey, 5, department_id=big.id, key="b")
    answer(survey, 1, department_id=small.id, key="s")
    login(client, leader)
    page = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert ">Central (5)</option>" in page and "Hillside" not in page
    ok = client.get(f"/surveys/{survey.id}/results?department_id={big.id}")
    assert ok.status_code == 200 and "5 responses for Central" in ok.get_data(as_text=True)
    refused = client.get(f"/surveys/{survey.id}/results?department_id={small.id}")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Fewer than 5 people answered for Hillside" in text
    assert 'role="img"' not in text


def test_the_page_says_when_nothing_is_in_yet(client, leader, survey):
    login(client, leader)
    page = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert "No answers yet" in page
    assert "Export answers" not in page


def test_the_wave_filter_goes_to_that_wave(client, leader, survey):
    services.close(leader, services.get_survey(survey.id))
    second = services.copy_for_next_wave(leader, services.get_survey(survey.id))
    services.publish(leader, services.get_survey(second.id))
    answer(services.get_survey(second.id), 1, key="w")
    login(client, leader)
    page = client.get(f"/surveys/{second.id}/results").get_data(as_text=True)
    assert 'name="wave"' in page and "Compare with wave 1" in page
    went = client.get(f"/surveys/{second.id}/results?wave={survey.id}")
    assert went.status_code == 302 and went.location.endswith(f"/surveys/{survey.id}/results")


def test_the_survey_page_links_to_results(client, leader, survey):
    login(client, leader)
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert f"/surveys/{survey.id}/results" in page


# --- CSV ----------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_export_is_formula_safe(client, leader, survey):
    branch = DepartmentFactory(name="=HYPERLINK(1)")
    answer(survey, 1, text="=cmd|' /C calc'!A0", department_id=branch.id, key="f")
    login(client, leader)
    got = client.get(f"/surveys/{survey.id}/results.csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = read_csv(got)
    assert rows[0][:5] == ["response", "submitted", "channel", "language", "branch or department"]
    assert rows[0][5] == "Q1. How satisfied are you?"
    assert "respondent" not in rows[0]  # customers have no names
    assert rows[1][4] == "'=HYPERLINK(1)"
    assert rows[1][-1] == "'=cmd|' /C calc'!A0"
    assert rows[1][6] == "In person" and rows[1][7] == "Books; Rooms"


def test_an_anonymous_export_has_no_name_time_or_id_and_respects_the_threshold(client, leader):
    survey = make_survey(leader, audience="staff", anonymous=True)
    big, small = DepartmentFactory(name="Central"), DepartmentFactory(name="Hillside")
    people = [UserFactory(name=f"Person {i}", department=big) for i in range(5)]
    people.append(UserFactory(name="Lonely Person", department=small))
    login(client, leader)
    for person in people[:4]:
        services.respond_as_staff(
            person, services.get_survey(survey.id), Submission(answers(survey))
        )
    refused = client.get(f"/surveys/{survey.id}/results.csv")
    assert refused.status_code == 422 and "fewer than 5 responses" in refused.get_data(as_text=True)
    for person in people[4:]:
        services.respond_as_staff(
            person, services.get_survey(survey.id), Submission(answers(survey))
        )
    rows = read_csv(client.get(f"/surveys/{survey.id}/results.csv"))
    assert rows[0][:4] == ["response", "channel", "language", "branch or department"]
    assert "respondent" not in rows[0] and "submitted" not in rows[0]
    body = "\n".join(",".join(r) for r in rows)
    assert "Person" not in body
    assert sorted(r[0] for r in rows[1:]) == [str(n) for n in range(1, 7)]
    groups = sorted(r[3] for r in rows[1:])
    assert groups == ["(a group of fewer than 5)"] + ["Central"] * 5
    assert (
        client.get(f"/surveys/{survey.id}/results.csv?department_id={small.id}").status_code == 422
    )


def test_a_named_staff_export_gives_the_name(client, leader, staff):
    survey = make_survey(leader, audience="staff")
    services.respond_as_staff(staff, services.get_survey(survey.id), Submission(answers(survey)))
    login(client, leader)
    rows = read_csv(client.get(f"/surveys/{survey.id}/results.csv"))
    assert rows[0][5] == "respondent" and rows[1][5] == "Sam Staff"


# --- Scale --------------------------------------------------------------------------------------


def test_results_run_a_fixed_number_of_queries_at_20000_answers(
    client, leader, survey, count_queries
):
    branches = [DepartmentFactory(name=f"Desk {i}").id for i in range(8)]
    login(client, leader)
    path = f"/surveys/{survey.id}/results"

    def steady(action) -> int:
        action()  # the first run after bulk inserts also refreshes expired objects
        return count_queries(action)

    bulk_answer(survey, 10, departments=branches, prefix="few")
    few_service = steady(lambda: results.results(services.get_survey(survey.id)))
    few_page = steady(lambda: client.get(path))
    stored = bulk_answer(survey, 5000, departments=branches, prefix="many")
    assert stored == 20_000
    survey = services.get_survey(survey.id)
    assert survey.response_count == 5010
    # The survey with its owners, questions and choices (4), then four GROUP BYs.
    assert steady(lambda: results.results(services.get_survey(survey.id))) == few_service == 8
    page = client.get(path)
    assert steady(lambda: client.get(path)) == few_page
    assert page.status_code == 200
    assert "5010 responses" in page.get_data(as_text=True)
    assert steady(lambda: client.get(f"{path}?department_id={branches[0]}")) == few_page
    rating = by_question(results.results(survey))["rating5"]
    assert rating.count == 5010 and rating.mean == Decimal("3.00")
    assert q(survey, "multiple").id in {r.question_id for r in results.results(survey).questions}
