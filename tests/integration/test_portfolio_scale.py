"""The portfolio at scale: its figures cached in Redis are never stale after a write, differ by
filter, reach no one the page refuses, and are still right when Redis is down; every page runs
the same number of queries with a few rows or thousands, cached or not."""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime, timedelta

import pytest

from teams_app.barriers import services as barriers
from teams_app.extensions import db
from teams_app.initiatives import pipeline
from teams_app.initiatives import services as initiatives
from teams_app.models import Barrier, Initiative, SatisfactionResult, Team, utcnow
from teams_app.people import services as people
from teams_app.portfolio import board
from teams_app.queue import redis_connection
from tests.conftest import login
from tests.factories import UserFactory, make_team


def stage(name):
    return next(s for s in pipeline.stages() if s.name == name)


@pytest.fixture
def calm_portfolio(app):
    sponsor = UserFactory(role="leadership", name="Ada Sponsor")
    lead_a, lead_b = UserFactory(name="Lead A"), UserFactory(name="Lead B")
    team_a = make_team(lead_a, name="Alpha Team", sponsor=sponsor)
    team_b = make_team(lead_b, name="Beta Team")
    first = initiatives.create_initiative(lead_a, team_a, initiatives.Details(title="Calm one"))
    return {
        "sponsor": sponsor,
        "lead_a": lead_a,
        "lead_b": lead_b,
        "team_a": team_a,
        "team_b": team_b,
        "first": first.id,
    }


def open_total(html: str) -> int:
    found = re.search(r"Open initiatives</div>\s*<div[^>]*>(\d+)</div>", html)
    assert found, "no open-initiatives figure"
    return int(found.group(1))


def open_barriers(html: str) -> int:
    found = re.search(r"Open barriers</div>\s*<div[^>]*>(\d+)</div>", html)
    assert found, "no open-barriers figure"
    return int(found.group(1))


def barrier(title: str, team: Team | None = None, severity: str = "high"):
    return barriers.BarrierDetails(
        title=title,
        category="process",
        affects="customers",
        severity=severity,
        source="survey",
        team_id=team.id if team else None,
    )


# --- Fresh after every write ---------------------------------------------------------------------


def test_the_page_and_the_api_show_a_new_initiative_at_once(client, api_as, calm_portfolio):
    login(client, calm_portfolio["sponsor"])
    api = api_as(calm_portfolio["sponsor"])
    assert open_total(client.get("/portfolio/").get_data(True)) == 1
    assert sum(c["count"] for c in api.get("/portfolio").get_json()["matrix"]) == 1
    initiatives.create_initiative(
        calm_portfolio["lead_b"], calm_portfolio["team_b"], initiatives.Details(title="Second")
    )
    assert open_total(client.get("/portfolio/").get_data(True)) == 2
    body = api.get("/portfolio").get_json()
    assert sum(c["count"] for c in body["matrix"]) == 2
    assert {t["name"]: t["count"] for t in body["by_team"]} == {"Alpha Team": 1, "Beta Team": 1}


def test_a_health_change_and_a_move_show_at_once(client, api_as, calm_portfolio):
    api = api_as(calm_portfolio["sponsor"])
    assert api.get("/portfolio").get_json()["attention"] == []
    item = initiatives.get_initiative(calm_portfolio["first"])
    initiatives.post_update(calm_portfolio["lead_a"], item, "off_track", "Stuck on suppliers.")
    body = api.get("/portfolio").get_json()
    assert [(a["title"], a["reasons"]) for a in body["attention"]] == [("Calm one", ["off_track"])]
    initiatives.move_initiative(calm_portfolio["lead_a"], item, stage("Done").id)
    body = api.get("/portfolio").get_json()
    assert body["matrix"] == [] and body["trends"]["completed"][-1] == 1


def test_a_reported_and_a_resolved_barrier_show_at_once(client, calm_portfolio):
    login(client, calm_portfolio["sponsor"])
    assert open_barriers(client.get("/portfolio/").get_data(True)) == 0
    reported = barriers.report_barrier(
        calm_portfolio["lead_a"], barrier("Printer jams", calm_portfolio["team_a"])
    )
    assert open_barriers(client.get("/portfolio/").get_data(True)) == 1
    barriers.resolve_barrier(
        calm_portfolio["sponsor"], barriers.get_barrier(reported.id), "removed", "Fixed."
    )
    assert open_barriers(client.get("/portfolio/").get_data(True)) == 0


def test_a_sponsor_renamed_on_their_profile_shows_at_once(api_as, calm_portfolio):
    api = api_as(calm_portfolio["sponsor"])
    assert [s["name"] for s in api.get("/portfolio").get_json()["by_sponsor"]] == ["Ada Sponsor"]
    people.update_profile(calm_portfolio["sponsor"], people.ProfileChanges(name="Ada Lovelace"))
    assert [s["name"] for s in api.get("/portfolio").get_json()["by_sponsor"]] == ["Ada Lovelace"]


def test_the_board_counts_and_cards_show_a_new_initiative_at_once(client, calm_portfolio):
    login(client, calm_portfolio["sponsor"])
    assert "1 initiatives by stage" in client.get("/portfolio/board").get_data(True)
    initiatives.create_initiative(
        calm_portfolio["lead_a"], calm_portfolio["team_a"], initiatives.Details(title="New")
    )
    assert "2 initiatives by stage" in client.get("/portfolio/board").get_data(True)
    cards = client.get(f"/portfolio/board/teams/{calm_portfolio['team_a'].id}/cards").get_data(True)
    assert "New" in cards and "Calm one" in cards


def test_the_register_counts_follow_a_new_barrier_at_once(client, calm_portfolio):
    login(client, calm_portfolio["lead_a"])

    def high_count() -> int:
        html = client.get("/barriers/?status=all").get_data(as_text=True)
        found = re.search(r'<option value="high"[^>]*>High \((\d+)\)', html)
        return int(found.group(1)) if found else 0

    assert high_count() == 0
    barriers.report_barrier(calm_portfolio["lead_a"], barrier("Queue at the desk"))
    assert high_count() == 1


# --- Keys: by filter, never by a person who may not see -------------------------------------------


def test_each_filter_has_its_own_figures(client, calm_portfolio):
    initiatives.create_initiative(
        calm_portfolio["lead_b"], calm_portfolio["team_b"], initiatives.Details(title="B1")
    )
    initiatives.create_initiative(
        calm_portfolio["lead_b"], calm_portfolio["team_b"], initiatives.Details(title="B2")
    )
    login(client, calm_portfolio["sponsor"])
    for _ in range(2):  # the second round is served from the cache
        assert open_total(client.get("/portfolio/").get_data(True)) == 3
        a = client.get(f"/portfolio/?team_id={calm_portfolio['team_a'].id}").get_data(True)
        b = client.get(f"/portfolio/?team_id={calm_portfolio['team_b'].id}").get_data(True)
        assert (open_total(a), open_total(b)) == (1, 2)
        mine = client.get(f"/portfolio/?sponsor_id={calm_portfolio['sponsor'].id}").get_data(True)
        assert open_total(mine) == 1


def test_cached_figures_reach_no_one_the_page_refuses(client, api_as, calm_portfolio, staff):
    login(client, calm_portfolio["sponsor"])
    assert client.get("/portfolio/").status_code == 200  # the figures are now cached
    assert client.get("/portfolio/board").status_code == 200
    client._cookies.clear()
    login(client, staff)
    for path in ("/portfolio/", "/portfolio/board", "/portfolio/report"):
        response = client.get(path)
        assert response.status_code == 403 and "Alpha Team" not in response.get_data(True)
    refused = api_as(staff).get("/portfolio")
    assert refused.status_code == 403 and "matrix" not in refused.get_data(True)


def test_a_second_visit_reads_the_figures_from_redis(client, calm_portfolio, count_queries):
    login(client, calm_portfolio["sponsor"])
    client.get("/portfolio/")
    cold = count_queries(lambda: client.get("/portfolio/?health=on_track"))
    warm = count_queries(lambda: client.get("/portfolio/?health=on_track"))
    assert warm <= cold - 5, f"{cold} queries, then {warm} from the cache"


def _cached_keys(app, name: str) -> list[bytes]:
    conn = redis_connection(app)
    return list(conn.scan_iter(f"{app.config['CACHE_KEY_PREFIX']}:portfolio:v*:{name}:*"))


def test_a_cached_figure_of_another_release_is_recomputed_and_replaced(app, client, calm_portfolio):
    # A release that changes a figure's fields must not fail on what the last one cached.
    login(client, calm_portfolio["sponsor"])
    assert client.get("/portfolio/").status_code == 200
    conn = redis_connection(app)
    olds = {"trends": {"retired_field": 1}, "attention": [{"retired_field": 1}]}
    for name, old in olds.items():
        keys = _cached_keys(app, name)
        assert keys, name
        for key in keys:
            conn.set(key, json.dumps(old), ex=60)
    page = client.get("/portfolio/")
    assert page.status_code == 200 and open_total(page.get_data(True)) == 1
    for name, old in olds.items():
        assert all(json.loads(conn.get(k)) != old for k in _cached_keys(app, name)), name
    assert client.get("/portfolio/report").status_code == 200


def _version(app) -> int:
    return int(
        redis_connection(app).get(f"{app.config['CACHE_KEY_PREFIX']}:portfolio:version") or 0
    )


def test_a_released_savepoint_leaves_the_figures_until_the_commit(app, calm_portfolio):
    team = calm_portfolio["team_a"]
    before = _version(app)
    with db.session.begin_nested():
        team.name = "Alpha Renamed"
    assert _version(app) == before  # released, not committed
    db.session.commit()
    assert _version(app) == before + 1
    with db.session.begin_nested():
        team.name = "Alpha Again"
    db.session.rollback()
    assert _version(app) == before + 1  # never committed


# --- Redis down ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_down(app):
    """Point the app at a port nothing listens on, as if Redis had stopped."""
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_free_port()}/0"
    app.extensions.pop("redis", None)
    yield
    app.extensions.pop("redis", None)
    app.extensions.pop("figure_cache", None)
    app.config["REDIS_URL"] = saved


def test_without_redis_the_pages_compute_their_figures(client, api_as, calm_portfolio, redis_down):
    login(client, calm_portfolio["sponsor"])
    assert open_total(client.get("/portfolio/").get_data(True)) == 1
    initiatives.create_initiative(
        calm_portfolio["lead_b"], calm_portfolio["team_b"], initiatives.Details(title="B")
    )
    barriers.report_barrier(
        calm_portfolio["lead_a"], barrier("Lift broken", calm_portfolio["team_a"])
    )
    page = client.get("/portfolio/")
    assert page.status_code == 200
    assert open_total(page.get_data(True)) == 2 and open_barriers(page.get_data(True)) == 1
    assert api_as(calm_portfolio["sponsor"]).get("/portfolio").status_code == 200
    for path in ("/portfolio/board", "/portfolio/report", "/barriers/", "/satisfaction/"):
        assert client.get(path).status_code == 200, path


def test_a_write_while_redis_was_down_is_seen_once_it_is_back(app, client, calm_portfolio):
    login(client, calm_portfolio["sponsor"])
    assert open_total(client.get("/portfolio/").get_data(True)) == 1  # cached
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_free_port()}/0"
    app.extensions.pop("redis", None)
    initiatives.create_initiative(
        calm_portfolio["lead_b"], calm_portfolio["team_b"], initiatives.Details(title="B")
    )
    app.config["REDIS_URL"] = saved
    app.extensions.pop("redis", None)
    app.extensions["figure_cache"]["down_until"] = 0.0  # Redis is back
    assert open_total(client.get("/portfolio/").get_data(True)) == 2


# --- The same queries with a few rows or thousands ------------------------------------------------


def _bulk(teams: list[Team], per_team: int, barriers_n: int) -> None:
    """Initiatives over every stage (some done, in the last months), and open barriers."""
    now = utcnow()
    stages = pipeline.stages()
    healths = ["on_track", "at_risk", "off_track"]
    rows = []
    for t, team in enumerate(teams):
        for i in range(per_team):
            s = stages[(i + t) % len(stages)]
            rows.append(
                {
                    "team_id": team.id,
                    "title": f"Bulk {t}-{i}",
                    "stage_id": s.id,
                    "stage_entered_at": now - timedelta(days=i % 90),
                    "health": healths[i % 3],
                    "update_due_at": now + timedelta(days=(i % 30) - 15),
                    "completed_at": now - timedelta(days=i % 300) if s.kind == "done" else None,
                    "created_at": now,
                    "version": 1,
                }
            )
    db.session.execute(Initiative.__table__.insert(), rows)
    if not barriers_n:
        db.session.commit()
        return
    db.session.execute(
        Barrier.__table__.insert(),
        [
            {
                "title": f"Bulk barrier {i}",
                "category": "process",
                "affects": "customers",
                "severity": "high",
                "severity_rank": 3,
                "source": "survey",
                "status": "open",
                "team_id": teams[i % len(teams)].id,
                "reported_at": now - timedelta(days=i % 200),
                "updated_at": now,
                "version": 1,
            }
            for i in range(barriers_n)
        ],
    )
    db.session.commit()


def _more_teams(n: int, start: int = 0) -> list[Team]:
    lead = UserFactory(name="Bulk Lead")
    sponsor = UserFactory(role="leadership", name="Bulk Sponsor")
    return [
        make_team(lead, name=f"Bulk Team {i:03d}", sponsor=sponsor) for i in range(start, start + n)
    ]


PAGES = [
    "/portfolio/",
    "/portfolio/?health=at_risk&since=90",
    "/portfolio/board",
    "/portfolio/report",
    "/barriers/",
]


@pytest.mark.parametrize("cached", [True, False], ids=["cached", "uncached"])
def test_portfolio_pages_run_the_same_queries_small_and_large(
    app, client, api_as, calm_portfolio, count_queries, cached
):
    app.config["CACHE_TTL_SECONDS"] = 60 if cached else 0
    login(client, calm_portfolio["sponsor"])
    api = api_as(calm_portfolio["sponsor"])
    teams = [calm_portfolio["team_a"], calm_portfolio["team_b"], *_more_teams(1)]
    _bulk(teams, 3, 5)

    def measure() -> dict[str, int]:
        out = {}
        team_id = teams[-1].id
        paths = {p: p for p in PAGES}
        paths["team's cards"] = f"/portfolio/board/teams/{team_id}/cards"
        paths["team's page"] = f"/portfolio/board/teams/{team_id}"
        for name, path in paths.items():
            client.get(path)  # fill the cache (or not)
            out[name] = count_queries(lambda p=path: client.get(p))
        api.get("/portfolio")
        out["/api/v1/portfolio"] = count_queries(lambda: api.get("/portfolio"))
        return out

    small = measure()
    teams += _more_teams(60, start=1)  # past a page of teams
    _bulk(teams, 40, 2000)  # 2,440 initiatives, 2,005 barriers
    large = measure()
    assert small == large
    assert "Bulk Team 060" in client.get("/portfolio/board?page=2").get_data(True)
    ceiling = 8 if cached else 18
    assert max(large.values()) <= ceiling, large


def test_a_team_with_more_cards_than_the_fragment_holds_links_to_its_board(client, calm_portfolio):
    _bulk([calm_portfolio["team_a"]], board.CARDS_PER_TEAM + 5, 0)
    login(client, calm_portfolio["sponsor"])
    html = client.get(f"/portfolio/board/teams/{calm_portfolio['team_a'].id}/cards").get_data(True)
    assert html.count('class="card board-card"') == board.CARDS_PER_TEAM
    assert f"Showing {board.CARDS_PER_TEAM} of {board.CARDS_PER_TEAM + 6} cards" in html


def test_the_report_lists_a_bounded_number_of_initiatives_and_links_the_export(
    client, calm_portfolio
):
    from teams_app.portfolio.routes import REPORT_LINES

    _bulk([calm_portfolio["team_a"], calm_portfolio["team_b"]], REPORT_LINES // 2 + 10, 0)
    login(client, calm_portfolio["sponsor"])
    html = client.get("/portfolio/report").get_data(True)
    total = REPORT_LINES + 21
    assert f"Initiatives ({total})" in html
    assert html.count("<tr><td>") == REPORT_LINES
    assert f"Export all {total} as CSV" in html


# --- Satisfaction: one marker per month -----------------------------------------------------------


def test_satisfaction_marks_each_month_once_whatever_the_completions(
    client, leader, calm_portfolio, count_queries
):
    now = utcnow()
    db.session.execute(
        SatisfactionResult.__table__.insert(),
        [
            {
                "period": f"{y}-{m:02d}",
                "metric": "Customer satisfaction",
                "metric_key": "customer satisfaction",
                "score": 4,
                "scale_max": 5,
                "respondents": 10,
                "department_key": 0,
                "created_at": now,
            }
            for y, m in ((2025, 1), (2025, 2), (2025, 3))
        ],
    )
    db.session.commit()

    def complete(n: int, month: int) -> None:
        db.session.execute(
            Initiative.__table__.insert(),
            [
                {
                    "team_id": calm_portfolio["team_a"].id,
                    "title": f"Done {month}-{i}",
                    "stage_id": stage("Done").id,
                    "stage_entered_at": now,
                    "health": "on_track",
                    "update_due_at": now,
                    "completed_at": datetime(2025, month, 1 + i % 27, tzinfo=UTC),
                    "created_at": now,
                    "version": 1,
                }
                for i in range(n)
            ],
        )
        db.session.commit()

    login(client, leader)
    complete(2, 1)
    client.get("/satisfaction/")
    small = count_queries(lambda: client.get("/satisfaction/"))
    html = client.get("/satisfaction/").get_data(True)
    assert html.count('<g class="completion-marker">') == 1
    complete(300, 2)
    complete(300, 3)
    large = count_queries(lambda: client.get("/satisfaction/"))
    html = client.get("/satisfaction/").get_data(True)
    assert small == large
    assert html.count('<g class="completion-marker">') == 3
    assert re.search(r"February 2025: 300 initiatives completed: Done 2-0 \(Alpha Team\)", html)
    # The table keeps every month, with its count and the first few titles.
    assert re.search(r"February 2025</th>.*?<td>300: Done 2-0, [^<]* and 295 more</td>", html, re.S)
    assert len(html) < 60_000
