"""The leadership portfolio: who may see it, the figures, the attention list, the API, and a
fixed number of queries with 20 or 2,000 initiatives."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from teams_app.barriers import services as barriers
from teams_app.extensions import db
from teams_app.initiatives import pipeline
from teams_app.initiatives import services as initiatives
from teams_app.models import Initiative, Team, utcnow
from teams_app.portfolio import queries
from tests.conftest import login
from tests.factories import UserFactory, make_team


def stage(name):
    return next(s for s in pipeline.stages() if s.name == name)


@pytest.fixture
def health_portfolio(app):
    sponsor_a = UserFactory(role="leadership", name="Ada Sponsor")
    sponsor_b = UserFactory(role="leadership", name="Bo Sponsor")
    lead_a, lead_b = UserFactory(name="Lead A"), UserFactory(name="Lead B")
    team_a = make_team(lead_a, name="Alpha Team", sponsor=sponsor_a)
    team_b = make_team(lead_b, name="Beta Team", sponsor=sponsor_b)
    made = {}
    for team, lead, title, health in (
        (team_a, lead_a, "Calm one", "on_track"),
        (team_a, lead_a, "Shaky one", "at_risk"),
        (team_b, lead_b, "Broken one", "off_track"),
    ):
        item = initiatives.create_initiative(lead, team, initiatives.Details(title=title))
        if health != "on_track":
            initiatives.post_update(lead, initiatives.get_initiative(item.id), health, "News.")
        made[title] = item.id
    return {
        "sponsor_a": sponsor_a,
        "team_a": team_a,
        "team_b": team_b,
        "lead_a": lead_a,
        "ids": made,
    }


def test_only_leadership_and_admins_see_the_portfolio(client, api_as, health_portfolio, staff):
    login(client, staff)
    assert client.get("/portfolio/").status_code == 403
    assert "/portfolio/" not in client.get("/").get_data(as_text=True)
    assert api_as(staff).get("/portfolio").status_code == 403
    client.post("/auth/logout", data={})
    client._cookies.clear()
    login(client, health_portfolio["sponsor_a"])
    assert client.get("/portfolio/").status_code == 200
    assert 'href="/portfolio/"' in client.get("/").get_data(as_text=True)
    assert api_as(UserFactory(role="admin")).get("/portfolio").status_code == 200


def test_matrix_totals_and_counts(app, health_portfolio):
    overview = queries.overview(queries.PortfolioFilter())
    idea = stage("Idea").id
    assert overview.cells == {(idea, "on_track"): 1, (idea, "at_risk"): 1, (idea, "off_track"): 1}
    assert overview.open_total == 3
    assert [(name, n) for _, name, n in overview.by_team] == [("Alpha Team", 2), ("Beta Team", 1)]
    assert ("Ada Sponsor", 2) in [(name, n) for _, name, n in overview.by_sponsor]
    assert overview.teams["active"] == 2
    only_a = queries.overview(queries.PortfolioFilter(sponsor_id=health_portfolio["sponsor_a"].id))
    assert only_a.open_total == 2


def test_attention_is_worst_first_with_reasons(app, health_portfolio):
    ids = health_portfolio["ids"]
    calm = db.session.get(Initiative, ids["Calm one"])
    calm.stage_entered_at = utcnow() - timedelta(days=90)  # stuck
    calm.target_date = utcnow().date() - timedelta(days=1)  # past target
    db.session.commit()
    reporter = UserFactory()
    old = barriers.report_barrier(
        reporter,
        barriers.BarrierDetails(
            title="Old critical",
            category="policy",
            affects="customers",
            severity="critical",
            source="survey",
        ),
    )
    barriers.get_barrier(old.id).reported_at = utcnow() - timedelta(days=45)
    waiting = make_team(UserFactory(), name="Slow Proposal", status="proposed")
    db.session.get(Team, waiting.id).proposed_at = utcnow() - timedelta(days=20)
    make_team(UserFactory(), name="Fresh Proposal", status="proposed")
    db.session.commit()

    items = queries.attention(queries.PortfolioFilter())
    summary = [(i.kind, i.title, i.reasons) for i in items]
    assert summary[0] == ("initiative", "Broken one", ["off_track"])
    assert ("barrier", "Old critical", ["old_barrier"]) in summary
    assert ("initiative", "Calm one", ["past_target", "stuck"]) in summary
    assert ("initiative", "Shaky one", ["at_risk"]) in summary
    assert ("team", "Slow Proposal", ["waiting_proposal"]) in summary
    assert "Fresh Proposal" not in [t for _, t, _ in summary]
    assert summary[-1][1] == "Slow Proposal"  # the mildest reason comes last


def test_page_shows_matrix_links_and_attention(client, health_portfolio):
    login(client, health_portfolio["sponsor_a"])
    page = client.get("/portfolio/").get_data(as_text=True)
    idea = stage("Idea").id
    assert f"/initiatives/?stage={idea}&amp;health=off_track" in page
    assert "Broken one" in page and "off track" in page
    filtered = client.get(f"/portfolio/?sponsor_id={health_portfolio['sponsor_a'].id}").get_data(
        True
    )
    assert "Shaky one" in filtered and "Broken one" not in filtered


def test_api_returns_the_page_figures(api_as, health_portfolio):
    body = api_as(health_portfolio["sponsor_a"]).get("/portfolio").get_json()
    overview = queries.overview(queries.PortfolioFilter())
    assert {(c["stage_id"], c["health"]): c["count"] for c in body["matrix"]} == overview.cells
    assert body["teams"]["active"] == 2 and body["barriers"] == {
        "open": 0,
        "removed_this_quarter": 0,
    }
    assert body["attention"][0] == {
        "kind": "initiative",
        "id": health_portfolio["ids"]["Broken one"],
        "title": "Broken one",
        "reasons": ["off_track"],
    }
    assert len(body["trends"]["months"]) == 12
    bad = api_as(health_portfolio["sponsor_a"]).get("/portfolio?health=purple")
    assert bad.status_code == 422


def test_trends_count_completed_initiatives_and_barriers_by_month(app, health_portfolio):
    lead = health_portfolio["lead_a"]
    item = initiatives.get_initiative(health_portfolio["ids"]["Calm one"])
    initiatives.move_initiative(lead, item, stage("Done").id)
    trends = queries.trends(queries.PortfolioFilter())
    assert trends.completed[-1] == 1 and sum(trends.completed) == 1


def _bulk_initiatives(team: Team, n: int) -> None:
    now = utcnow()
    stages = [s for s in pipeline.stages() if s.kind == "open"]
    healths = ["on_track", "at_risk", "off_track"]
    db.session.execute(
        Initiative.__table__.insert(),
        [
            {
                "team_id": team.id,
                "title": f"Bulk {i}",
                "stage_id": stages[i % len(stages)].id,
                "stage_entered_at": now - timedelta(days=i % 90),
                "health": healths[i % 3],
                "update_due_at": now + timedelta(days=(i % 30) - 15),
                "created_at": now,
                "version": 1,
            }
            for i in range(n)
        ],
    )
    db.session.commit()


def test_portfolio_runs_the_same_queries_with_20_or_2000_initiatives(
    client, health_portfolio, count_queries
):
    login(client, health_portfolio["sponsor_a"])
    _bulk_initiatives(health_portfolio["team_a"], 17)
    client.get("/portfolio/")
    small = count_queries(lambda: client.get("/portfolio/"))
    _bulk_initiatives(health_portfolio["team_a"], 1980)
    client.get("/portfolio/")  # the bulk insert made the cached figures stale: fill again
    large = count_queries(lambda: client.get("/portfolio/"))
    assert small == large, f"{small} queries with 20 initiatives, {large} with 2,000"
    assert large <= 24


def test_exports_stream_the_filtered_sets_with_formulas_neutralised(client, health_portfolio):
    import csv
    import io

    lead = health_portfolio["lead_a"]
    team = health_portfolio["team_a"]
    initiatives.create_initiative(lead, team, initiatives.Details(title="=cmd|' /C calc'!A0"))
    login(client, health_portfolio["sponsor_a"])
    response = client.get(f"/portfolio/export/initiatives.csv?team_id={team.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["title"] for r in rows) == ["'=cmd|' /C calc'!A0", "Calm one", "Shaky one"]
    assert {r["team"] for r in rows} == {"Alpha Team"}
    assert rows[0]["url"].startswith("http://localhost/initiatives/")
    updates = client.get(f"/portfolio/export/updates.csv?team_id={team.id}").get_data(True)
    assert "Shaky one" in updates and "at_risk" in updates and "Broken one" not in updates
    for kind in ("barriers", "actions"):
        assert client.get(f"/portfolio/export/{kind}.csv").status_code == 200
    assert client.get("/portfolio/export/secrets.csv").status_code == 404


def test_board_counts_every_initiative_by_team_and_stage(client, health_portfolio):
    login(client, health_portfolio["sponsor_a"])
    page = client.get("/portfolio/board").get_data(as_text=True)
    assert "3 initiatives by stage" in page
    assert page.index("Alpha Team") < page.index("Beta Team")
    assert "Calm one" not in page  # the cards open on demand
    idea = stage("Idea").id
    alpha = page[page.index("Alpha Team") : page.index("Beta Team")]
    cells = re.findall(r'<td class="text-end">(?:<span[^>]*>)?(\d+)', alpha)
    assert cells[0] == "2" and sum(map(int, cells)) == 2, cells  # both in Idea
    assert f"/portfolio/board/teams/{health_portfolio['team_a'].id}/cards" in alpha
    assert re.search(r"All 2 teams</th>.*?>3</td>", page, re.S) and idea


def test_a_teams_cards_come_as_a_fragment_and_as_a_page(client, health_portfolio):
    login(client, health_portfolio["sponsor_a"])
    team_id = health_portfolio["team_a"].id
    fragment = client.get(f"/portfolio/board/teams/{team_id}/cards").get_data(as_text=True)
    assert "Calm one" in fragment and "Shaky one" in fragment and "Broken one" not in fragment
    assert "<html" not in fragment and 'class="board portfolio-cards"' in fragment
    page = client.get(f"/portfolio/board/teams/{team_id}?health=at_risk").get_data(as_text=True)
    assert "<html" in page and "Shaky one" in page and "Calm one" not in page
    assert client.get("/portfolio/board/teams/999999/cards").status_code == 404


def test_the_board_keeps_the_portfolio_filters(client, health_portfolio):
    login(client, health_portfolio["sponsor_a"])
    page = client.get(f"/portfolio/board?sponsor_id={health_portfolio['sponsor_a'].id}").get_data(
        True
    )
    assert "2 initiatives by stage, grouped by team (filtered)" in page
    assert "Alpha Team" in page and "Beta Team" not in page
    assert f"cards?sponsor_id={health_portfolio['sponsor_a'].id}" in page


def test_the_board_filtered_to_one_team_shows_it_and_links_its_cards(client, health_portfolio):
    # The portfolio's "Board" button passes team_id; the card links must not pass it twice.
    login(client, health_portfolio["sponsor_a"])
    team_id = health_portfolio["team_a"].id
    response = client.get(f"/portfolio/board?team_id={team_id}&health=at_risk")
    assert response.status_code == 200
    page = response.get_data(True)
    assert "Alpha Team" in page and "Beta Team" not in page
    links = re.findall(r'href="(/portfolio/board/teams/[^"]+)"', page)
    cards = re.findall(r'data-cards-url="([^"]+)"', page)
    assert links == [f"/portfolio/board/teams/{team_id}?health=at_risk"]
    assert cards == [f"/portfolio/board/teams/{team_id}/cards?health=at_risk"]
    shown = client.get(links[0].replace("&amp;", "&")).get_data(True)
    assert "Shaky one" in shown and "Calm one" not in shown
    fragment = client.get(cards[0]).get_data(True)
    assert "Shaky one" in fragment and "Calm one" not in fragment


def test_printable_report_has_the_overview_attention_and_a_line_each(client, health_portfolio):
    login(client, health_portfolio["sponsor_a"])
    page = client.get(f"/portfolio/report?sponsor_id={health_portfolio['sponsor_a'].id}").get_data(
        True
    )
    assert "Needs attention (1)" in page  # the at-risk one; Broken one is another sponsor's
    assert "Initiatives (2)" in page and "Calm one" in page and "Broken one" not in page
    assert "js/print.js" in page and "data-print" in page


def test_what_changed_lists_moves_health_changes_and_resolutions_in_the_window(
    client, health_portfolio
):
    from teams_app.models import Activity

    lead = health_portfolio["lead_a"]
    item = initiatives.get_initiative(health_portfolio["ids"]["Calm one"])
    initiatives.move_initiative(lead, item, stage("Plan").id)
    old = initiatives.get_initiative(health_portfolio["ids"]["Shaky one"])
    initiatives.move_initiative(lead, old, stage("Plan").id)
    event = (
        db.session.query(Activity)
        .filter_by(verb="moved_initiative", subject_id=old.id)
        .order_by(Activity.id.desc())
        .first()
    )
    event.at = utcnow() - timedelta(days=20)
    db.session.commit()
    login(client, health_portfolio["sponsor_a"])
    week = client.get("/portfolio/?since=7").get_data(as_text=True)
    assert "moved “Calm one” from Idea to Plan" in week
    assert "moved “Shaky one”" not in week
    month = client.get("/portfolio/?since=30").get_data(as_text=True)
    assert "moved “Shaky one” from Idea to Plan" in month
    assert "posted an update on “Shaky one”: at risk (was on track)" in month


def test_median_days_in_stage_uses_each_visit(app, health_portfolio):
    from teams_app.models import StageChange

    lead = health_portfolio["lead_a"]
    now = utcnow()
    for title, days_in_idea in (("Calm one", 2), ("Shaky one", 4)):
        item = initiatives.get_initiative(health_portfolio["ids"][title])
        initiatives.move_initiative(lead, item, stage("Plan").id)
        changes = (
            db.session.query(StageChange)
            .filter_by(initiative_id=item.id)
            .order_by(StageChange.id)
            .all()
        )
        changes[0].at = now - timedelta(days=days_in_idea + 1)
        changes[1].at = now - timedelta(days=1)
    broken = db.session.query(StageChange).filter_by(
        initiative_id=health_portfolio["ids"]["Broken one"]
    )
    broken.one().at = now - timedelta(days=9)
    db.session.commit()
    medians = queries.median_days_in_stage(queries.PortfolioFilter(), now)
    assert medians[stage("Idea").id] == 4.0  # visits of 2, 4 and 9 days
    assert medians[stage("Plan").id] == 1.0


def test_barrier_figures_follow_the_team_filter(app, health_portfolio):
    barriers.report_barrier(
        health_portfolio["lead_a"],
        barriers.BarrierDetails(
            title="Alpha's barrier",
            category="process",
            affects="staff",
            severity="low",
            source="staff",
            team_id=health_portfolio["team_a"].id,
        ),
    )
    everyone = queries.overview(queries.PortfolioFilter())
    alpha = queries.overview(queries.PortfolioFilter(team_id=health_portfolio["team_a"].id))
    beta = queries.overview(queries.PortfolioFilter(team_id=health_portfolio["team_b"].id))
    assert (everyone.barriers["open"], alpha.barriers["open"], beta.barriers["open"]) == (1, 1, 0)
    assert (
        queries.trends(queries.PortfolioFilter(team_id=health_portfolio["team_b"].id)).reported[-1]
        == 0
    )
