"""Hypothesis on the main HTML forms: random Unicode, empty, huge and malformed values. Whatever
is sent, the answer is never a 5xx, and nothing is half-saved: a refused form changes no table
at all, an accepted one makes exactly its whole unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from teams_app.barriers import services as barriers
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.teams import services as teams
from tests.conftest import CSRF_RE, login
from tests.factories import UserFactory, make_team

EXAMPLES = 30
# Tables a refused request may still write to: the security audit log records refusals.
# Rows that record how work was done, not what was saved: an accepted invitation queues its mail
# in the outbox, which a test worker may already have finished and pruned (tests/integration/
# test_outbox.py covers those rows).
# Rows every write may add beside what the form makes: audit, jobs, the search index.
BOOKKEEPING = {"audit_events", "outbox_jobs", "search_documents"}

ATTACKS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    '=HYPERLINK("http://evil.example")',
    "{{ 7*7 }}",
    "../../etc/passwd",
    "\u202egnp.exe",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: x=1",
    " ",
]
text = st.one_of(
    st.text(max_size=200),
    st.just(""),
    st.sampled_from(ATTACKS),
    st.text(min_size=1, max_size=3).map(lambda s: s * 20_000),  # up to ~60k characters
)
number = st.one_of(text, st.integers(-(10**12), 10**12).map(str), st.just("1e309"), st.just("4.5"))
day = st.one_of(text, st.dates().map(str), st.just("9999-12-31"), st.just("2026-02-30"))


# Values a person could really type: any printable Unicode (accents, scripts, emoji,
# right-to-left, combining marks), never blank.
unicode = st.text(
    st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=60
).filter(str.strip)


def one_of(*valid: str) -> st.SearchStrategy[str]:
    return st.sampled_from(valid)


@dataclass
class Form:
    """A form, its fields' valid values and what one accepted submission adds, table by table.
    Each example starts from valid values and spoils up to three fields with ``bad`` ones
    (random, empty, huge, hostile or malformed text), so both outcomes are well covered."""

    path: str
    valid: dict[str, st.SearchStrategy[str]]
    grows: dict[str, int]
    bad: dict[str, st.SearchStrategy[str]] = field(default_factory=dict)
    token_from: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@st.composite
def submissions(draw: Any, form: Form) -> dict[str, str]:
    data = draw(st.fixed_dictionaries(form.valid))
    spoiled = draw(st.lists(st.sampled_from(sorted(form.valid)), max_size=3, unique=True))
    for name in spoiled:
        data[name] = draw(form.bad.get(name, text))
    return data


def _counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
        if table.name not in BOOKKEEPING
    }


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def _check(client, form: Form, data: dict[str, str], accepted: Callable[[Any], bool]) -> None:
    page = client.get(form.token_from or form.path).get_data(as_text=True)
    found = CSRF_RE.search(page)
    assert found, f"no form on {form.token_from or form.path}"
    before = _counts()
    response = client.post(form.path, data={"csrf_token": found.group(1), **form.extra, **data})
    after = _counts()
    assert response.status_code < 500, (response.status_code, data)
    change = _delta(before, after)
    if accepted(response):
        assert change == form.grows, (change, data)
    else:
        assert response.status_code in (400, 403, 409, 413, 422), (response.status_code, data)
        assert change == {}, (change, data)


def _redirected(response) -> bool:
    return response.status_code == 302


def _run(client, form: Form, accepted: Callable[[Any], bool] = _redirected) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(submissions(form))
    def submit(data: dict[str, str]) -> None:
        _check(client, form, data, accepted)

    submit()


@pytest.fixture
def signed_in_lead(client):
    lead = UserFactory(name="Form Lead")
    team = make_team(lead, name="Form Team")
    initiative = initiatives.create_initiative(
        lead, teams.get_team(team.id), initiatives.Details(title="Form initiative")
    )
    login(client, lead)
    return {"lead": lead, "team": team, "initiative": initiative}


def _day(low: int = 2000, high: int = 2100) -> st.SearchStrategy[str]:
    from datetime import date

    return st.one_of(st.just(""), st.dates(date(low, 1, 1), date(high, 12, 31)).map(str))


def test_proposing_a_team(client, signed_in_lead):
    _run(
        client,
        Form(
            "/teams/new",
            {
                "name": unicode,
                "problem": unicode,
                "goal": unicode,
                "scope": st.one_of(st.just(""), unicode),
                "join_policy": one_of("open", "ask"),
                "max_members": st.one_of(st.just(""), st.integers(2, 50).map(str)),
                "update_interval_days": st.integers(1, 365).map(str),
            },
            grows={"teams": 1, "memberships": 1, "activities": 1},
            bad={"max_members": number, "update_interval_days": number},
        ),
    )


def test_adding_an_initiative(client, signed_in_lead):
    path = f"/teams/{signed_in_lead['team'].slug}/initiatives/new"
    _run(
        client,
        Form(
            path,
            {
                "title": unicode,
                "summary": st.one_of(st.just(""), unicode),
                "owner_id": one_of("0", str(signed_in_lead["lead"].id)),
                "target_date": _day(),
            },
            grows={"initiatives": 1, "stage_changes": 1, "activities": 1},
            bad={"owner_id": number, "target_date": day},
        ),
    )


def test_posting_a_status_update(client, signed_in_lead):
    initiative = signed_in_lead["initiative"]
    _run(
        client,
        Form(
            f"/initiatives/{initiative.id}/updates",
            {"health": one_of("on_track", "at_risk", "off_track"), "body": unicode},
            grows={"status_updates": 1, "activities": 1},
            token_from=f"/initiatives/{initiative.id}",
        ),
    )


def test_reporting_a_barrier(client, signed_in_lead):
    _run(
        client,
        Form(
            "/barriers/new",
            {
                "title": unicode,
                "description": st.one_of(st.just(""), unicode),
                "affects": one_of("customers", "staff", "internal"),
                "category": one_of("process", "policy", "other"),
                "severity": one_of("low", "medium", "high", "critical"),
                "source": one_of("survey", "staff", "customer"),
                "department_id": st.just("0"),
                "team_id": one_of("0", str(signed_in_lead["team"].id)),
                "initiative_id": st.just("0"),
            },
            grows={"barriers": 1, "activities": 1},
            bad={"department_id": number, "team_id": number, "initiative_id": number},
        ),
    )


def test_logging_an_action(client, signed_in_lead):
    barrier = barriers.report_barrier(
        signed_in_lead["lead"],
        barriers.BarrierDetails(
            title="Form barrier",
            category="process",
            affects="staff",
            severity="low",
            source="staff",
            team_id=signed_in_lead["team"].id,
        ),
    )
    _run(
        client,
        Form(
            "/actions/new",
            {
                "description": unicode,
                "owner_id": st.just(str(signed_in_lead["lead"].id)),
                "due_on": _day(),
            },
            grows={"actions": 1, "activities": 1},
            bad={"owner_id": number, "due_on": day},
            token_from=f"/actions/new?barrier={barrier.id}",
            extra={"barrier_id": str(barrier.id)},
        ),
    )


def test_sharing_a_story(client, signed_in_lead):
    _run(
        client,
        Form(
            "/stories/new",
            {
                "title": unicode,
                "kind": one_of("win", "recovery", "failure"),
                "body": unicode,
                "occurred_on": _day(2000, 2025),
                "department_id": st.just("0"),
                "initiative_id": one_of("0", str(signed_in_lead["initiative"].id)),
                "barrier_id": st.just("0"),
                "no_personal_details": st.just("y"),
            },
            grows={"impact_stories": 1, "activities": 1},
            bad={"occurred_on": day, "initiative_id": number, "no_personal_details": text},
        ),
    )


def test_editing_the_profile(client, signed_in_lead):
    _run(
        client,
        Form(
            "/account/",
            {
                "name": unicode,
                "level": one_of("frontline", "specialist", "manager"),
                "department_id": st.just("0"),
                "timezone": one_of("UTC", "Europe/Paris", "America/Chicago"),
                "digest_frequency": one_of("off", "daily", "weekly"),
                "digest_weekday": st.integers(0, 6).map(str),
                "digest_hour": st.integers(0, 23).map(str),
            },
            grows={"activities": 1},
            bad={"digest_weekday": number, "digest_hour": number, "department_id": number},
            token_from="/account/",
        ),
    )


def test_recording_a_satisfaction_result(client):
    login(client, UserFactory(role="leadership", name="Form Leader"))
    _run(
        client,
        Form(
            "/satisfaction/new",
            {
                "period": st.dates().map(lambda d: f"{1900 + d.year % 1000:04d}-{d.month:02d}"),
                "metric": unicode,
                "score": st.decimals(0, 5, places=2).map(str),
                "scale_max": st.just("5"),
                "respondents": st.integers(1, 10_000).map(str),
                "department_id": st.just("0"),
            },
            grows={"satisfaction_results": 1, "activities": 1},
            bad={
                "period": text,
                "score": number,
                "scale_max": number,
                "respondents": number,
                "department_id": number,
            },
        ),
    )


def test_inviting_a_person(client):
    login(client, UserFactory(role="admin", name="Form Admin"))
    _run(
        client,
        Form(
            "/admin/users/invite",
            {
                "email": st.emails(),
                "name": unicode,
                "role": one_of("staff", "leadership", "admin"),
                "level": one_of("frontline", "executive"),
                "department_id": st.just("0"),
            },
            grows={"users": 1, "activities": 1},
            bad={"department_id": number},
        ),
    )


def test_signing_in_changes_nothing_but_the_session(client):
    UserFactory(email="known@library.example")
    _run(
        client,
        Form(
            "/auth/login",
            {"email": one_of("known@library.example", "nobody@library.example"), "password": text},
            grows={},
        ),
        accepted=lambda response: True,  # right or wrong, a sign-in adds no rows
    )
