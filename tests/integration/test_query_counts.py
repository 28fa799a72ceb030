"""Pages run a fixed number of SQL queries whatever the number of people."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.factories import DepartmentFactory, UserFactory


@pytest.mark.parametrize(
    "path", ["/people/?per_page=200", "/admin/users?per_page=200", "/admin/departments", "/"]
)
def test_page_queries_do_not_grow_with_people(client, admin, count_queries, path):
    login(client, admin)
    for _i in range(3):
        UserFactory(department=DepartmentFactory())
    small = count_queries(lambda: client.get(path))
    for _i in range(60):
        UserFactory(department=DepartmentFactory())
    large = count_queries(lambda: client.get(path))
    assert small == large, f"{path}: {small} queries with 4 people, {large} with 64"
    # The home page gathers more: teams, actions, initiatives, "you said, we did", the Story of
    # the Month, the latest satisfaction result and the open surveys, each in one query; every
    # page also counts the header's unread notifications (one indexed query).
    assert large <= (10 if path == "/" else 8)


def test_api_user_list_queries_do_not_grow(api_as, admin, count_queries):
    api = api_as(admin)
    for _i in range(3):
        UserFactory()
    api.get("/me")  # warm-up: the token's first use is recorded once
    small = count_queries(lambda: api.get("/users?per_page=200"))
    for _i in range(60):
        UserFactory()
    assert count_queries(lambda: api.get("/users?per_page=200")) == small


def test_an_api_request_finds_its_token_and_owner_in_one_query(api_as, staff, count_queries):
    api = api_as(staff)
    assert api.get("/stages").status_code == 200  # warm-up: the token's first use is recorded
    # Every API request pays its authentication: the token and its owner, then the stages.
    assert count_queries(lambda: api.get("/stages")) == 2


def _fill(team, n: int) -> None:
    """Add ``n`` active members (bulk, for speed) from different departments and levels."""
    from teams_app.extensions import db
    from teams_app.models import Membership

    levels = ["frontline", "specialist", "supervisor", "manager", "executive"]
    for i in range(n):
        user = UserFactory(level=levels[i % 5], department=DepartmentFactory())
        db.session.add(Membership(team_id=team.id, user_id=user.id, role="member", state="active"))
    db.session.commit()


@pytest.mark.parametrize(
    "path_of", [lambda t: f"/teams/{t.slug}", lambda t: "/teams/?per_page=50", lambda t: "/"]
)
def test_team_pages_run_a_fixed_number_of_queries(client, staff, count_queries, path_of):
    from tests.factories import make_team

    team = make_team(staff, name="Counted Team")
    path = path_of(team)
    login(client, staff)
    _fill(team, 4)
    client.get(path)  # warm-up: first-request work is not what we measure
    small = count_queries(lambda: client.get(path))
    _fill(team, 195)
    for i in range(10):
        make_team(staff, name=f"Other Team {i}")
    large = count_queries(lambda: client.get(path))
    assert small == large, f"{small} queries with 5 members, {large} with 200"
    # 13: the header's unread count and the team's conversation (with the follow state) are
    # one query each.
    assert large <= 13


def test_team_api_runs_a_fixed_number_of_queries(api_as, staff, count_queries):
    from tests.factories import make_team

    team = make_team(staff, name="Counted Team")
    one = f"/teams/{team.id}"
    api = api_as(staff)
    _fill(team, 4)
    api.get(one)  # warm-up: the token's first use is recorded once
    small = (count_queries(lambda: api.get(one)), count_queries(lambda: api.get("/teams")))
    _fill(team, 195)
    for i in range(10):
        make_team(staff, name=f"Other Team {i}")
    large = (count_queries(lambda: api.get(one)), count_queries(lambda: api.get("/teams")))
    assert small == large


def _initiatives(team, owner, n: int) -> None:
    """Bulk-add ``n`` initiatives spread over the stages, with histories."""
    from teams_app.extensions import db
    from teams_app.initiatives.pipeline import stages
    from teams_app.models import Initiative, StageChange, utcnow

    all_stages, now = stages(), utcnow()
    for i in range(n):
        stage = all_stages[i % len(all_stages)]
        item = Initiative(
            team_id=team.id,
            title=f"Initiative {i}",
            owner_id=owner.id,
            stage_id=stage.id,
            stage_entered_at=now,
            created_at=now,
            update_due_at=now,
            health="at_risk",
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(StageChange(initiative_id=item.id, to_stage_id=stage.id, at=now))
    db.session.commit()


@pytest.mark.parametrize(
    "path_of",
    [
        lambda t: f"/teams/{t.slug}/board",
        lambda t: "/initiatives/?per_page=200",
        lambda t: f"/teams/{t.slug}",
        lambda t: "/",
    ],
)
def test_board_and_lists_run_a_fixed_number_of_queries(client, staff, count_queries, path_of):
    from tests.factories import make_team

    team = make_team(staff, name="Busy Team")
    path = path_of(team)
    login(client, staff)
    _initiatives(team, staff, 5)
    client.get(path)
    small = count_queries(lambda: client.get(path))
    other = make_team(UserFactory(), name="Another Team")
    _initiatives(team, staff, 295)
    _initiatives(other, staff, 20)
    large = count_queries(lambda: client.get(path))
    assert small == large, f"{small} queries with 5 initiatives, {large} with 300"
    assert large <= 14


def _barriers(reporter, team, n: int) -> None:
    """``n`` barriers (bulk, for speed), each with an action owned by ``reporter``."""
    from datetime import timedelta

    from teams_app.extensions import db
    from teams_app.models import Action, Barrier, Severity, utcnow

    severities = list(Severity)
    today = utcnow().date()
    rows = []
    for i in range(n):
        severity = severities[i % 4]
        rows.append(
            Barrier(
                title=f"Barrier {i}",
                category="process",
                affects="customers",
                severity=severity.value,
                severity_rank=severity.rank,
                source="staff",
                status="addressing",
                reported_by_id=reporter.id,
                team_id=team.id,
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all(
        Action(
            barrier_id=b.id,
            description=f"Action {i}",
            owner_id=reporter.id,
            due_on=today + timedelta(days=i % 30 - 10),
        )
        for i, b in enumerate(rows)
    )
    db.session.commit()


@pytest.mark.parametrize(
    "path_of",
    [
        lambda t: "/barriers/?per_page=200",
        lambda t: f"/barriers/?per_page=50&sort=severity&team_id={t.id}&status=unresolved",
        lambda t: "/actions/",
        lambda t: "/",
        lambda t: f"/teams/{t.slug}",
    ],
)
def test_barrier_pages_run_the_same_queries_with_10_or_1000_barriers(
    client, staff, count_queries, path_of
):
    from tests.factories import make_team

    team = make_team(staff, name="Counting Team")
    path = path_of(team)
    login(client, staff)
    _barriers(staff, team, 10)
    client.get(path)  # warm-up
    small = count_queries(lambda: client.get(path))
    _barriers(staff, team, 990)
    client.get(path)  # the new barriers made the cached counts stale: fill them again
    large = count_queries(lambda: client.get(path))
    assert small == large, f"{path}: {small} queries with 10 barriers, {large} with 1,000"
    assert large <= 20


def test_csv_export_streams_1000_barriers_in_a_fixed_number_of_queries(
    client, staff, count_queries
):
    from tests.factories import make_team

    team = make_team(staff, name="Export Team")
    login(client, staff)
    _barriers(staff, team, 10)
    client.get("/barriers/export.csv")
    small = count_queries(lambda: client.get("/barriers/export.csv"))
    _barriers(staff, team, 990)
    response = None

    def export():
        nonlocal response
        response = client.get("/barriers/export.csv")

    large = count_queries(export)
    assert response.get_data(as_text=True).count("\n") == 1001
    assert large <= small + 2  # yield_per fetches in batches of 500: at most two more


# --- Every list page and list endpoint, with 3 and with 30 of each kind ---------------------------


def _grow(lead, team, n: int) -> dict[str, int]:
    """Add ``n`` of each kind the list pages show: members, initiatives (each with an action),
    barriers (each with an action, on the team and on the first initiative), stories with
    cheers, team activity and satisfaction results. Returns the ids the paths need."""
    from datetime import timedelta

    from teams_app.extensions import db
    from teams_app.models import (
        Action,
        Activity,
        Barrier,
        Cheer,
        ImpactStory,
        Initiative,
        SatisfactionResult,
        utcnow,
    )
    from tests.factories import make_story

    _fill(team, n)
    _initiatives(team, lead, n)
    _barriers(lead, team, n)
    first = db.session.scalar(db.select(db.func.min(Initiative.id)))
    db.session.execute(
        db.update(Barrier).where(Barrier.initiative_id.is_(None)).values(initiative_id=first)
    )
    initiative_ids = db.session.scalars(db.select(Initiative.id).order_by(Initiative.id)).all()
    # Due like the barriers' actions, so every list mixes both kinds at either size (each kind
    # in a page costs one selectin query for its teams' members).
    today = utcnow().date()
    db.session.add_all(
        Action(
            initiative_id=i,
            description="Follow up",
            owner_id=lead.id,
            due_on=today + timedelta(days=k % 30 - 10),
        )
        for k, i in enumerate(initiative_ids[-n:])
    )
    for _i in range(n):
        make_story(lead, initiative_id=first)
    story = db.session.scalar(db.select(db.func.min(ImpactStory.id)))
    cheered = set(db.session.scalars(db.select(Cheer.user_id).where(Cheer.story_id == story)))
    people = [u.id for u in (UserFactory() for _i in range(n))]
    db.session.add_all(Cheer(story_id=story, user_id=u) for u in people if u not in cheered)
    db.session.add_all(
        Activity(
            actor_id=lead.id,
            verb="team.joined",
            subject_type="team",
            subject_id=team.id,
            team_id=team.id,
        )
        for _i in range(n)
    )
    taken = db.session.scalar(db.select(db.func.count()).select_from(SatisfactionResult))
    db.session.add_all(
        SatisfactionResult(
            period=f"{2000 + (taken + i) // 12}-{(taken + i) % 12 + 1:02d}",
            metric="Overall",
            metric_key="overall",
            score=4,
            scale_max=5,
            respondents=10,
        )
        for i in range(n)
    )
    db.session.commit()
    return {"initiative": first, "story": story, "team": team.id}


LIST_PAGES = [
    "/",
    "/teams/?per_page=200",
    "/teams/{slug}",
    "/initiatives/{initiative}",
    "/initiatives/?per_page=200",
    "/initiatives/?per_page=200&sort=newest",
    "/initiatives/?owner_name=Sam+Staff",
    "/initiatives/?owner={owner}&owner_name=Sam+Staff",
    "/barriers/?per_page=200&sort=newest",
    "/barriers/?per_page=200&sort=severity",
    "/barriers/?team_id={team}&status=all",
    "/actions/",
    "/stories/",
    "/stories/{story}",
    "/people/?per_page=200",
    "/people/search?q=Person",
]
# Tighter than the 15 where a page is known to need fewer.
# The initiative page: 11, plus the header's unread count and its conversation (one query each).
CEILINGS = {"/initiatives/{initiative}": 13}
LIST_ENDPOINTS = [
    "/initiatives?per_page=200",
    "/initiatives?sort=title",
    "/actions?per_page=200",
    "/barriers?per_page=200",
    "/stories?per_page=200",
    "/users?per_page=200",
    "/teams?per_page=200",
    "/satisfaction?per_page=200",
]


@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_pages_run_the_same_queries_with_3_or_30_of_each(client, staff, count_queries, path):
    from tests.factories import make_team

    team = make_team(staff, name="Listed Team")
    ids = _grow(staff, team, 3)
    url = path.format(slug=team.slug, owner=staff.id, **ids)
    login(client, staff)
    assert client.get(url).status_code == 200  # warm-up
    small = count_queries(lambda: client.get(url))
    _grow(staff, team, 27)
    # The writes rightly empty the cached figures (teams_app/cache.py): refill them, so both
    # sizes are counted alike (test_portfolio_scale.py counts them uncached at two sizes too).
    assert client.get(url).status_code == 200
    large = count_queries(lambda: client.get(url))
    assert small == large, f"{url}: {small} queries with 3 of each, {large} with 30"
    assert large <= CEILINGS.get(path, 15)


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_list_endpoints_run_the_same_queries_with_3_or_30_of_each(
    api_as, staff, count_queries, path
):
    from tests.factories import make_team

    team = make_team(staff, name="Listed Team")
    _grow(staff, team, 3)
    api = api_as(staff)
    assert api.get(path).status_code == 200  # warm-up: the token's first use is recorded once
    small = count_queries(lambda: api.get(path))
    _grow(staff, team, 27)
    large = count_queries(lambda: api.get(path))
    assert small == large, f"{path}: {small} queries with 3 of each, {large} with 30"
    assert large <= 15
