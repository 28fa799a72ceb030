"""Wave against wave: each rating question's change (the satisfaction page's convention), theme
shares, the barriers the earlier wave found with their status now and their mentions in the new
wave; the page, its links, and a fixed number of queries at 20,000 answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from teams_app.barriers import services as barrier_services
from teams_app.extensions import db
from teams_app.models import SurveyComment, SurveyCommentTheme
from teams_app.surveys import results, services
from teams_app.surveys.services import Submission
from tests.conftest import login
from tests.factories import DepartmentFactory

from .bulk import bulk_answer
from .helpers import answers, make_survey


def barrier(leader, title: str):
    return barrier_services.report_barrier(
        leader,
        barrier_services.BarrierDetails(
            title=title, category="process", affects="customers", severity="high", source="survey"
        ),
    )


def code(survey_id: int, plan: list[tuple[str, int | None, list[str]]]) -> None:
    """Code the survey's comments in id order: (coded_as, barrier_id, themes) each."""
    comments = db.session.scalars(
        select(SurveyComment).where(SurveyComment.survey_id == survey_id).order_by(SurveyComment.id)
    ).all()
    for comment, (coded_as, barrier_id, themes) in zip(comments, plan, strict=False):
        comment.coded_as, comment.barrier_id = coded_as, barrier_id
        comment.themes = [SurveyCommentTheme(theme=t) for t in themes]
    db.session.commit()


def respond(survey, n: int, rating: int, key: str) -> None:
    for i in range(n):
        services.respond_publicly(
            services.get_survey(survey.id),
            Submission(answers(survey, rating=rating), submission_key=f"{key}-{i}"),
        )


@pytest.fixture
def waves(leader):
    """Wave 1: six answers rating 3, its comments coded into two barriers (one printing, one
    waiting) and themes; closed. Wave 2: five answers rating 4, two comments evidence for the
    printing barrier, one with a new theme."""
    first = make_survey(leader)
    respond(first, 6, 3, "w1")
    printing, waiting = barrier(leader, "Printers jam"), barrier(leader, "Long queues")
    code(
        first.id,
        [
            ("new_barrier", printing.id, ["printing"]),
            ("evidence", printing.id, ["printing"]),
            ("new_barrier", waiting.id, ["waiting"]),
            ("story", None, ["praise"]),
            ("none", None, []),
            # the sixth stays uncoded
        ],
    )
    services.close(leader, services.get_survey(first.id))
    second = services.copy_for_next_wave(leader, services.get_survey(first.id))
    services.publish(leader, services.get_survey(second.id))
    respond(second, 5, 4, "w2")
    code(
        second.id,
        [
            ("evidence", printing.id, ["printing"]),
            ("evidence", printing.id, ["printing", "opening hours"]),
            ("none", None, []),
        ],
    )
    done = barrier_services.get_barrier(waiting.id)
    done.status = "removed"  # as if it was resolved since
    db.session.commit()
    return {
        "first": first,
        "second": services.get_survey(second.id),
        "printing": printing,
        "waiting": waiting,
    }


def test_ratings_change_as_the_satisfaction_page_says(waves):
    c = results.comparison(waves["second"])
    assert c.previous is not None and c.previous.id == waves["first"].id
    [rating] = c.ratings
    assert rating.previous_question_id == waves["first"].questions[0].id
    assert (rating.before, rating.before_count) == (Decimal("3.00"), 6)
    assert (rating.after, rating.after_count) == (Decimal("4.00"), 5)
    # 60% of the scale to 80%: (80 - 60) / 60 = +33.3%, not 20 points.
    assert rating.change_pct == 33.3
    assert rating.change_text == "+33.3% since the previous wave"


def test_theme_shares_of_coded_comments(waves):
    c = results.comparison(waves["second"])
    assert (c.comments_before, c.coded_before) == (6, 5)
    assert (c.comments_after, c.coded_after) == (5, 3)
    themes = {t.theme: t for t in c.themes}
    assert (themes["printing"].before_count, themes["printing"].before_share) == (2, 40.0)
    assert (themes["printing"].after_count, themes["printing"].after_share) == (2, 66.7)
    assert (themes["opening hours"].before_count, themes["opening hours"].after_share) == (0, 33.3)
    assert themes["waiting"].after_count == 0
    assert c.themes[0].theme == "printing"  # most mentioned first


def test_barriers_from_the_earlier_wave_with_status_and_mentions_after(waves):
    c = results.comparison(waves["second"])
    got = {b.barrier_id: b for b in c.barriers}
    assert set(got) == {waves["printing"].id, waves["waiting"].id}
    printing = got[waves["printing"].id]
    assert (printing.mentions_before, printing.mentions_after) == (2, 2)
    assert printing.status == "open" and printing.status_label == "Open"
    assert got[waves["waiting"].id].mentions_after == 0
    assert got[waves["waiting"].id].status_label == "Removed"
    assert c.barriers[0].barrier_id == waves["printing"].id


def test_a_new_barrier_from_the_new_wave_is_not_listed(leader, waves):
    fresh = barrier(leader, "Lockers broken")
    code(waves["second"].id, [("new_barrier", fresh.id, [])])
    ids = {
        b.barrier_id for b in results.comparison(services.get_survey(waves["second"].id)).barriers
    }
    assert fresh.id not in ids


def test_a_first_wave_has_nothing_to_compare(waves):
    c = results.comparison(services.get_survey(waves["first"].id))
    assert c.previous is None and c.ratings == [] and c.barriers == []


def test_an_anonymous_wave_under_the_threshold_withholds_its_ratings(leader):
    from tests.factories import UserFactory

    first = make_survey(leader, audience="staff", anonymous=True)
    people = [UserFactory(name=f"P{i}") for i in range(5)]
    for person in people:
        services.respond_as_staff(person, services.get_survey(first.id), Submission(answers(first)))
    services.close(leader, services.get_survey(first.id))
    second = services.copy_for_next_wave(leader, services.get_survey(first.id))
    services.publish(leader, services.get_survey(second.id))
    services.respond_as_staff(
        people[0], services.get_survey(second.id), Submission(answers(second))
    )
    c = results.comparison(services.get_survey(second.id))
    assert c.withheld == [second.id]
    assert c.ratings[0].before == Decimal("4.00") and c.ratings[0].after is None
    assert c.ratings[0].change_pct is None


# --- The page -----------------------------------------------------------------------------------


def test_the_comparison_page(client, leader, waves):
    login(client, leader)
    page = client.get(f"/surveys/{waves['second'].id}/comparison")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Wave 2 against wave 1" in text
    assert "+33.3% since the previous wave" in text
    assert "Printers jam" in text and "Long queues" in text
    assert "66.7%" in text


def test_the_first_wave_page_says_so(client, leader, waves):
    login(client, leader)
    text = client.get(f"/surveys/{waves['first'].id}/comparison").get_data(as_text=True)
    assert "This is the first wave" in text


def test_links_from_the_survey_portfolio_and_satisfaction_pages(client, leader, waves):
    login(client, leader)
    survey_page = client.get(f"/surveys/{waves['second'].id}").get_data(as_text=True)
    assert f"/surveys/{waves['second'].id}/comparison" in survey_page
    for path in ("/portfolio/", "/satisfaction/"):
        assert "/surveys/comparison/latest" in client.get(path).get_data(as_text=True), path
    latest = client.get("/surveys/comparison/latest")
    assert latest.status_code == 302
    assert latest.location.endswith(f"/surveys/{waves['second'].id}/comparison")


def test_latest_without_any_wave_shows_an_empty_state(client, leader):
    login(client, leader)
    page = client.get("/surveys/comparison/latest")
    assert page.status_code == 200 and "No wave to compare yet" in page.get_data(as_text=True)


def test_comparison_is_for_owners_and_leadership(client, staff, waves):
    login(client, staff)
    assert client.get(f"/surveys/{waves['second'].id}/comparison").status_code == 403


# --- Scale --------------------------------------------------------------------------------------


def test_comparison_runs_a_fixed_number_of_queries_at_20000_answers(
    client, leader, waves, count_queries
):
    branches = [DepartmentFactory(name=f"Desk {i}").id for i in range(4)]
    login(client, leader)
    path = f"/surveys/{waves['second'].id}/comparison"

    def steady(action) -> int:
        action()
        return count_queries(action)

    few_service = steady(lambda: results.comparison(services.get_survey(waves["second"].id)))
    few_page = steady(lambda: client.get(path))
    first = services.get_survey(waves["first"].id)
    second = services.get_survey(waves["second"].id)
    stored = bulk_answer(first, 2500, departments=branches, prefix="m1")
    stored += bulk_answer(second, 2500, departments=branches, prefix="m2", rating=5)
    assert stored == 20_000
    code_all = db.session.scalars(
        select(SurveyComment)
        .where(SurveyComment.survey_id == second.id, SurveyComment.coded_as.is_(None))
        .limit(200)
    ).all()
    for comment in code_all:
        comment.coded_as, comment.barrier_id = "evidence", waves["printing"].id
    db.session.commit()
    # The two waves with their questions (4 each), then five GROUP BYs and the barriers.
    assert (
        steady(lambda: results.comparison(services.get_survey(waves["second"].id))) == few_service
    )
    assert few_service == 4 + 4 + 5
    assert steady(lambda: client.get(path)) == few_page
    c = results.comparison(services.get_survey(waves["second"].id))
    assert c.ratings[0].after_count == 2505
    printing = next(b for b in c.barriers if b.barrier_id == waves["printing"].id)
    assert printing.mentions_after == 202
