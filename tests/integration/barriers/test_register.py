"""The register and the action lists: filters, sorts, facets, bounded queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from teams_app.barriers import queries
from teams_app.extensions import db
from teams_app.models import Action, Barrier, Severity, utcnow
from tests.factories import DepartmentFactory, make_team
from tests.integration.barriers.helpers import (
    initiative_of,
    log,
    report,
    update,
)

# --- Queries: the register ----------------------------------------------------------------------


def names(register, **filters) -> list[str]:
    by_id = {v: k for k, v in register.ids.items()}
    stmt = queries.register_query(queries.BarrierFilter(**filters))
    return [by_id[b.id] for b in db.session.scalars(stmt).unique()]


def test_the_register_starts_with_the_oldest(register):
    assert names(register) == ["open", "addressing", "removed", "accepted"]
    statuses = {k: db.session.get(Barrier, v).status for k, v in register.ids.items()}
    assert statuses == {k: k for k in register.ids}


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"status": "open"}, ["open"]),
        ({"status": "addressing"}, ["addressing"]),
        ({"status": "removed"}, ["removed"]),
        ({"status": "accepted"}, ["accepted"]),
        ({"status": "unresolved"}, ["open", "addressing"]),
        ({"status": "closed"}, ["removed", "accepted"]),
        ({"category": "technology"}, ["open"]),
        ({"category": "policy"}, []),
        ({"severity": "critical"}, ["addressing"]),
        ({"severity": "medium"}, ["accepted"]),
        ({"affects": "customers"}, ["open", "addressing"]),
        ({"affects": "internal"}, ["accepted"]),
        ({"department_id": "north"}, ["open", "removed"]),
        ({"department_id": "south"}, ["addressing"]),
        ({"team_id": "team"}, ["open", "removed"]),
        ({"team_id": "team", "status": "unresolved"}, ["open"]),
        ({"q": "WIFI"}, ["open"]),
        ({"q": "newcomers"}, ["addressing"]),  # the description counts too
        ({"q": "Shelf"}, ["removed"]),
        ({"q": "nothing like it"}, []),
    ],
)
def test_register_filters(register, filters, expected):
    filters = {k: register.refs.get(v, v) for k, v in filters.items()}
    assert names(register, **filters) == expected


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("oldest", ["open", "addressing", "removed", "accepted"]),
        ("newest", ["accepted", "removed", "addressing", "open"]),
        ("severity", ["addressing", "removed", "accepted", "open"]),
        ("no such sort", ["open", "addressing", "removed", "accepted"]),
    ],
)
def test_register_sorts(register, sort, expected):
    assert names(register, sort=sort) == expected


@pytest.mark.parametrize("q, match", [("100%", "100% of holds are late"), ("a_b", "a_b sorter")])
def test_search_takes_percent_and_underscore_literally(staff, q, match):
    for title in ("100% of holds are late", "1000 holds are late", "a_b sorter", "axb sorter"):
        report(staff, title=title)
    found = db.session.scalars(queries.register_query(queries.BarrierFilter(q=q))).unique()
    assert [b.title for b in found] == [match]


def test_search_takes_a_backslash_literally(staff):
    report(staff, title=r"Path C:\temp is full")
    report(staff, title="Path C:temp is full")
    found = db.session.scalars(queries.register_query(queries.BarrierFilter(q=r":\t"))).unique()
    assert [b.title for b in found] == [r"Path C:\temp is full"]


def test_filters_keep_their_values_as_arguments():
    f = queries.BarrierFilter(status="open", team_id=3, q="wifi")
    assert f.as_args() == {"status": "open", "team_id": 3, "q": "wifi", "sort": "oldest"}


def test_facet_counts_honour_the_other_filters_but_not_their_own(register):
    counts = queries.facet_counts(queries.BarrierFilter(category="process"))
    # Its own dimension shows every category, so one can switch.
    assert counts["category"] == {
        "technology": 1,
        "communication": 1,
        "process": 1,
        "facilities": 1,
    }
    # The others count process barriers only.
    assert counts["severity"] == {"high": 1}
    assert counts["affects"] == {"staff": 1}
    assert counts["department_id"] == {register.refs["north"]: 1}
    assert counts["team_id"] == {register.refs["team"]: 1}
    assert counts["status"] == {"removed": 1, "unresolved": 0, "closed": 1, "": 1}


def test_status_counts_ignore_the_status_filter_and_add_the_pseudo_statuses(register):
    counts = queries.facet_counts(queries.BarrierFilter(status="unresolved"))
    assert counts["status"] == {
        "open": 1,
        "addressing": 1,
        "removed": 1,
        "accepted": 1,
        "unresolved": 2,
        "closed": 2,
        "": 4,
    }
    assert counts["severity"] == {"low": 1, "critical": 1}
    assert counts["team_id"] == {register.refs["team"]: 1}  # no team is not a value
    assert counts["department_id"] == {register.refs["north"]: 1, register.refs["south"]: 1}


def test_facet_counts_honour_the_search_too(register):
    counts = queries.facet_counts(queries.BarrierFilter(q="wifi"))
    assert counts["category"] == {"technology": 1}
    assert counts["status"][""] == 1


def test_filter_choices_list_only_departments_and_teams_with_barriers(register, staff):
    make_team(staff, name="Idle Team")
    DepartmentFactory(name="Empty Branch")
    departments, teams = queries.filter_choices()
    assert [d.name for d in departments] == ["North Branch", "South Branch"]
    assert [t.name for t in teams] == ["Desk Team"]


def test_filter_choices_are_cached_until_a_barrier_or_team_changes(register, staff):
    queries.filter_choices()  # now cached
    idle = make_team(staff, name="Idle Team")
    report(staff, team_id=idle.id)
    assert [t.name for t in queries.filter_choices()[1]] == ["Desk Team", "Idle Team"]
    idle.name = "Busy Team"
    db.session.commit()
    assert [t.name for t in queries.filter_choices()[1]] == ["Busy Team", "Desk Team"]


# --- Queries: actions ---------------------------------------------------------------------------


def test_my_actions_put_overdue_first_then_due_soon_then_undated(my_work, member):
    mine = queries.my_actions(member)
    assert [a.description for a in mine] == [
        "long overdue",
        "overdue",
        "soon",
        "doing",
        "later",
        "undated",
    ]
    assert [a.description for a in queries.my_actions(member, limit=2)] == [
        "long overdue",
        "overdue",
    ]
    assert [a.is_overdue(my_work.today) for a in mine] == [True, True, False, False, False, False]


def test_my_actions_are_empty_for_someone_with_none(my_work, outsider):
    assert queries.my_actions(outsider) == []


def test_my_finished_actions(my_work, member):
    assert {a.description for a in queries.my_finished_actions(member)} == {"done", "dropped"}


def test_actions_query_finds_the_overdue(my_work, member2):
    overdue = db.session.scalars(
        queries.actions_query(queries.ActionFilter(overdue=True), today=my_work.today)
    ).unique()
    assert [a.description for a in overdue] == ["Mia's", "long overdue", "overdue"]
    mine = db.session.scalars(
        queries.actions_query(
            queries.ActionFilter(owner_id=member2.id, overdue=False), today=my_work.today
        )
    ).unique()
    assert list(mine) == []
    not_overdue = db.session.scalars(
        queries.actions_query(queries.ActionFilter(overdue=False), today=my_work.today)
    ).unique()
    assert {a.description for a in not_overdue} == {
        "soon",
        "doing",
        "later",
        "undated",
        "done",
        "dropped",
    }


def test_an_action_due_today_is_not_overdue(staff, team_of_three):
    today = date.today()
    log(staff, report(staff, team_id=team_of_three.id), due_on=today)
    stmt = queries.actions_query(queries.ActionFilter(overdue=True), today=today)
    assert db.session.scalars(stmt).unique().all() == []
    stmt = queries.actions_query(queries.ActionFilter(overdue=True), today=today + timedelta(1))
    assert len(db.session.scalars(stmt).unique().all()) == 1


def test_actions_query_filters_by_status_and_subject(my_work, staff, team_of_three):
    other = log(staff, report(staff, team_id=team_of_three.id, title="Another one"))
    stmt = queries.actions_query(queries.ActionFilter(status="doing"))
    assert [a.description for a in db.session.scalars(stmt).unique()] == ["doing"]
    stmt = queries.actions_query(queries.ActionFilter(barrier_id=other.barrier_id))
    assert [a.id for a in db.session.scalars(stmt).unique()] == [other.id]


def test_actions_of_a_team_and_an_initiative(staff, team_of_three, member):
    initiative = initiative_of(team_of_three, staff)
    linked = report(staff, initiative_id=initiative.id)
    on_initiative = log(member, initiative=initiative, description="On the initiative")
    on_barrier = log(member, linked, description="On its barrier")
    elsewhere = log(staff, report(staff, team_id=team_of_three.id), description="Elsewhere")
    assert {a.id for a in queries.actions_of_initiative(initiative.id)} == {
        on_initiative.id,
        on_barrier.id,
    }
    assert {a.id for a in queries.actions_of_barrier(linked.id)} == {on_barrier.id}
    update(staff, elsewhere, status="dropped")
    assert {a.id for a in queries.team_actions(team_of_three.id)} == {
        on_initiative.id,
        on_barrier.id,
    }


def test_barriers_for_a_team_put_unresolved_first_worst_first(register):
    found = queries.barriers_for(team_id=register.refs["team"])
    by_id = {v: k for k, v in register.ids.items()}
    assert [by_id[b.id] for b in found] == ["open", "removed"]


# --- Query counts -------------------------------------------------------------------------------


def _bulk(n, *, owner, team, reporter, start):
    """``n`` barriers, each with its own new department and an action ``owner`` owns: quickly."""
    departments = [DepartmentFactory.build(name=f"Bulk {start + i}") for i in range(n)]
    db.session.add_all(departments)
    db.session.flush()
    severities = list(Severity)
    now = utcnow()
    barriers = []
    for i in range(n):
        severity = severities[i % 4]
        barriers.append(
            Barrier(
                title=f"Bulk barrier {start + i}",
                category="process",
                affects="customers",
                severity=severity.value,
                severity_rank=severity.rank,
                source="survey",
                status="open" if i % 3 else "addressing",
                reported_by_id=reporter.id,
                team_id=team.id if i % 2 else None,
                department_id=departments[i].id,
                reported_at=now - timedelta(minutes=start + i),
            )
        )
    db.session.add_all(barriers)
    db.session.flush()
    db.session.add_all(
        Action(
            barrier_id=b.id,
            description=f"Fix {b.title}",
            owner_id=owner.id,
            created_by_id=owner.id,
            due_on=date.today() + timedelta(days=(i % 40) - 20) if i % 5 else None,
            status="planned",
        )
        for i, b in enumerate(barriers)
    )
    db.session.commit()


def test_register_and_my_actions_run_a_fixed_number_of_queries(
    staff, team_of_three, member, outsider, count_queries
):
    f = queries.BarrierFilter(status="unresolved", sort="severity")

    def register_page():
        db.session.expire_all()
        rows = db.session.scalars(queries.register_query(f)).unique().all()
        shown = [
            (
                b.title,
                b.team.name if b.team else "",
                b.department.name if b.department else "",
                b.reported_by.name if b.reported_by else "",
                b.initiative.title if b.initiative else "",
            )
            for b in rows
        ]
        queries.facet_counts(f)
        return shown

    def my_actions_page():
        db.session.expire_all()
        return [
            (a.description, a.owner.name, a.barrier.title, a.barrier.status)
            for a in queries.my_actions(member)
        ]

    _bulk(10, owner=member, team=team_of_three, reporter=outsider, start=0)
    small = (count_queries(register_page), count_queries(my_actions_page))
    assert len(register_page()) == 10 and len(my_actions_page()) == 10
    _bulk(990, owner=member, team=team_of_three, reporter=outsider, start=10)
    large = (count_queries(register_page), count_queries(my_actions_page))
    assert len(register_page()) == 1000 and len(my_actions_page()) == 1000
    assert small == large, f"{small} queries with 10 barriers, {large} with 1,000"
    assert large[0] <= 7 and large[1] <= 4
