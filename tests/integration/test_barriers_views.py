"""Barrier and action pages, driven by the real forms."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from teams_app.barriers import services
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.models import Action, Barrier
from tests.conftest import login, post_form
from tests.factories import UserFactory, logged_action, make_team


def fresh(model, ident):
    """The row as the database has it now (requests commit in their own sessions)."""
    db.session.expire_all()
    return db.session.get(model, ident)


def switch(client, user):
    """Sign out whoever is signed in, then sign in as ``user``."""
    client._cookies.clear()
    login(client, user)


REPORT = {
    "title": "Holds shelf is hard to find",
    "description": "Behind the returns bin.",
    "affects": "customers",
    "category": "facilities",
    "severity": "medium",
    "source": "survey",
    "department_id": "0",
    "team_id": "0",
    "initiative_id": "0",
}


@pytest.fixture
def lead(app):
    return UserFactory(name="Lena Lead")


@pytest.fixture
def lenas_team(lead, member):
    """Lena Lead leads the Desk Team; Mo Member is a plain member."""
    return make_team(lead, name="Desk Team", members=(member,))


def report(actor, team=None, **changes):
    details = services.BarrierDetails(
        title=changes.pop("title", "Holds shelf is hard to find"),
        category="facilities",
        affects="customers",
        severity=changes.pop("severity", "medium"),
        source="survey",
        team_id=team.id if team else None,
        **changes,
    )
    return services.report_barrier(actor, details)


def test_staff_report_a_barrier_with_the_form(client, staff):
    login(client, staff)
    response = post_form(client, "/barriers/new", REPORT, token_from="/barriers/new")
    assert response.status_code == 302
    barrier = db.session.query(Barrier).one()
    assert (barrier.title, barrier.source, barrier.status, barrier.reported_by_id) == (
        "Holds shelf is hard to find",
        "survey",
        "open",
        staff.id,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Behind the returns bin." in page and "A survey" in page


def test_bad_report_is_refused_with_messages_and_input_kept(client, staff):
    login(client, staff)
    data = {**REPORT, "title": "", "description": "Kept text", "category": "gossip"}
    response = post_form(client, "/barriers/new", data, token_from="/barriers/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the barrier a short title." in page
    assert "Not a valid choice" in page
    assert "Kept text" in page
    assert db.session.query(Barrier).count() == 0


def test_similar_open_barriers_are_suggested_while_typing(client, staff):
    report(staff, title="Holds shelf hidden behind returns")
    closed = report(staff, title="Holds lockers broken")
    fresh(Barrier, closed.id).status = "removed"
    db.session.commit()
    login(client, staff)
    found = client.get("/barriers/similar?title=holds%20shelf").get_json()
    assert [b["title"] for b in found] == ["Holds shelf hidden behind returns"]
    assert client.get("/barriers/similar?title=xy").get_json() == []


def test_user_text_is_escaped(client, staff):
    barrier = report(staff, title="<script>alert(1)</script>")
    login(client, staff)
    for path in (f"/barriers/{barrier.id}", "/barriers/"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_register_filters_counts_and_sorts(client, staff, lenas_team):
    report(staff, title="Low one", severity="low")
    report(staff, title="Critical one", severity="critical", team=lenas_team)
    report(staff, title="High one", severity="high")
    login(client, staff)
    page = client.get("/barriers/?sort=severity").get_data(as_text=True)
    assert page.index("Critical one") < page.index("High one") < page.index("Low one")
    filtered = client.get(f"/barriers/?team_id={lenas_team.id}").get_data(as_text=True)
    assert "Critical one" in filtered and "Low one" not in filtered
    # Counts per filter: the severity menu counts within the team filter.
    assert "Critical (1)" in filtered and "Low (0)" in filtered
    empty = client.get("/barriers/?q=nothing-like-this").get_data(as_text=True)
    assert "No barriers match" in empty


def test_csv_export_streams_the_filtered_set_and_neutralises_formulas(client, staff, lenas_team):
    report(staff, title='=HYPERLINK("http://evil","click")', team=lenas_team)
    report(staff, title="Not in the team filter")
    login(client, staff)
    response = client.get(f"/barriers/export.csv?team_id={lenas_team.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "title", "status"]
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://evil","click")'
    assert rows[1][rows[0].index("team")] == "Desk Team"


def test_lead_links_logs_actions_owner_completes_lead_closes_reporter_is_told(
    client, app, lead, member, lenas_team, mailbox, run_jobs
):
    """The issue's journey, through the pages."""
    reporter = UserFactory(name="Fran Frontline", email="fran@library.example")
    barrier = report(reporter)
    initiative = initiatives.create_initiative(
        lead, lenas_team, initiatives.Details(title="One-page yes list")
    )
    login(client, lead)
    edit = client.get(f"/barriers/{barrier.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', edit).group(1)
    response = post_form(
        client,
        f"/barriers/{barrier.id}/edit",
        {**REPORT, "initiative_id": str(initiative.id), "version": version},
        token_from=f"/barriers/{barrier.id}",
    )
    assert response.status_code == 302
    assert fresh(Barrier, barrier.id).team_id == lenas_team.id

    for text, owner in (("Move the shelf", member), ("Add a sign", lead)):
        response = post_form(
            client,
            "/actions/new",
            {"description": text, "owner_id": str(owner.id), "barrier_id": str(barrier.id)},
            token_from=f"/barriers/{barrier.id}",
        )
        assert response.status_code == 302
    assert fresh(Barrier, barrier.id).status == "addressing"

    switch(client, member)
    mine = db.session.query(Action).filter_by(owner_id=member.id).one()
    path = f"/actions/{mine.id}/edit"
    no_outcome = post_form(
        client,
        path,
        {
            "status": "done",
            "description": mine.description,
            "owner_id": str(member.id),
            "version": str(mine.version),
        },
        token_from=path,
    )
    assert no_outcome.status_code == 422
    assert "the outcome is needed when done" in no_outcome.get_data(as_text=True)
    done = post_form(
        client,
        path,
        {
            "status": "done",
            "description": mine.description,
            "owner_id": str(member.id),
            "outcome": "Shelf now by the door.",
            "version": str(mine.version),
        },
        token_from=path,
    )
    assert done.status_code == 302
    assert fresh(Action, mine.id).done_at is not None

    switch(client, lead)
    page = f"/barriers/{barrier.id}"
    no_note = post_form(client, f"{page}/resolve", {"outcome": "removed"}, token_from=page)
    assert no_note.status_code == 422 and "Add a resolution note." in no_note.get_data(True)
    sign = db.session.query(Action).filter_by(owner_id=lead.id).one()
    asked = post_form(
        client,
        f"{page}/resolve",
        {"outcome": "removed", "resolution": "Moved and signed."},
        token_from=page,
    )
    assert asked.status_code == 422  # the lead's own action is still open: what becomes of it?
    assert "Say what happens to the open action “Add a sign”" in asked.get_data(as_text=True)
    closed = post_form(
        client,
        f"{page}/resolve",
        {"outcome": "removed", "resolution": "Moved and signed.", f"fate-{sign.id}": "done"},
        token_from=page,
    )
    assert closed.status_code == 302
    assert fresh(Action, sign.id).status == "done"
    assert fresh(Barrier, barrier.id).status == "removed"
    assert run_jobs() == 0
    mail = mailbox.to("fran@library.example")
    assert len(mail) == 1 and mail[0]["Subject"].startswith("You said, we did")
    assert "Moved and signed." in mail[0].get_body(("plain",)).get_content()

    switch(client, reporter)
    home = client.get("/").get_data(as_text=True)
    assert "You said, we did" in home and "Moved and signed." in home
    # The initiative's page shows the barrier and its actions.
    switch(client, lead)
    shown = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Holds shelf is hard to find" in shown and "Move the shelf" in shown


def test_action_with_a_bad_due_date_is_refused_and_input_kept(client, lead, lenas_team):
    barrier = report(lead, team=lenas_team)
    login(client, lead)
    response = post_form(
        client,
        "/actions/new",
        {
            "description": "Keep me",
            "owner_id": str(lead.id),
            "due_on": "2027-02-30",
            "barrier_id": str(barrier.id),
        },
        token_from=f"/barriers/{barrier.id}",
    )
    assert response.status_code == 422
    assert "Not a valid date value." in response.get_data(as_text=True)
    assert "Keep me" in response.get_data(as_text=True)
    assert db.session.query(Action).count() == 0


def test_stale_barrier_edit_is_refused_and_shows_theirs(client, lead, lenas_team):
    barrier = report(lead, team=lenas_team)
    login(client, lead)
    services.edit_barrier(
        lead,
        services.get_barrier(barrier.id),
        services.BarrierDetails(
            title="Their title",
            category="facilities",
            affects="customers",
            severity="medium",
            source="survey",
            team_id=lenas_team.id,
        ),
        1,
    )
    response = post_form(
        client,
        f"/barriers/{barrier.id}/edit",
        {**REPORT, "title": "My title", "team_id": str(lenas_team.id), "version": "1"},
        token_from=f"/barriers/{barrier.id}",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Their title" in page and 'value="My title"' in page
    assert fresh(Barrier, barrier.id).title == "Their title"


def test_closed_barrier_cannot_be_edited_until_reopened(client, lead, lenas_team):
    barrier = report(lead, team=lenas_team)
    services.resolve_barrier(lead, services.get_barrier(barrier.id), "accepted", "Live with it.")
    login(client, lead)
    response = client.get(f"/barriers/{barrier.id}/edit")
    assert response.status_code == 302
    page = f"/barriers/{barrier.id}"
    no_reason = post_form(client, f"{page}/reopen", {"reason": ""}, token_from=page)
    assert no_reason.status_code == 422
    reopened = post_form(client, f"{page}/reopen", {"reason": "It is back."}, token_from=page)
    assert reopened.status_code == 302
    assert fresh(Barrier, barrier.id).status == "open"
    assert client.get(f"/barriers/{barrier.id}/edit").status_code == 200


def test_my_actions_lists_overdue_first_then_due_soon(client, lead, lenas_team):
    barrier = report(lead, team=lenas_team)
    today = services.today_for(lead)  # the page counts days in the lead's own calendar
    for text, due in (("Later", 20), ("Overdue", -3), ("No date", None), ("Soon", 2)):
        logged_action(lead, text, today + timedelta(days=due) if due else None, barrier=barrier)
    login(client, lead)
    page = client.get("/actions/").get_data(as_text=True)
    positions = [page.index(f">{t}<") for t in ("Overdue", "Soon", "Later", "No date")]
    assert positions == sorted(positions)
    assert "Overdue 3 days" in page
    home = client.get("/").get_data(as_text=True)
    assert home.index("Overdue") < home.index("Soon")


def test_team_page_shows_its_barriers_and_open_actions(client, lead, lenas_team):
    barrier = report(lead, team=lenas_team, title="Printer jams on Mondays")
    services.log_action(
        lead,
        services.ActionDetails("Monday printer check"),
        barrier=services.get_barrier(barrier.id),
    )
    login(client, lead)
    page = client.get(f"/teams/{lenas_team.slug}").get_data(as_text=True)
    assert "Printer jams on Mondays" in page and "Monday printer check" in page


def test_action_without_a_subject_redirects_with_a_message(client, staff):
    login(client, staff)
    response = client.get("/actions/new", follow_redirects=True)
    assert "Open a barrier or an initiative" in response.get_data(as_text=True)
