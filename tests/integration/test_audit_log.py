"""The security audit log: one structured line per event, never split by user input, stored for
admins to read and filter; and an attacker's usual first moves all fail and all show up in it."""

from __future__ import annotations

import json
import logging
import re

import pytest

from teams_app import audit
from teams_app.extensions import db
from teams_app.initiatives import services as initiative_services
from teams_app.models import AuditEvent, ImpactStory
from teams_app.teams import services as team_services
from tests.conftest import csrf_from, login, post_form
from tests.factories import UserFactory, make_team


def _events(name: str | None = None) -> list[AuditEvent]:
    query = db.session.query(AuditEvent).order_by(AuditEvent.id)
    return query.filter_by(event=name).all() if name else query.all()


def _audit_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "teams_app.audit"]


def test_sign_in_success_and_failure_are_recorded_with_who_where_and_request(client, staff):
    login(client, staff)
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/account/")})
    token = csrf_from(client, "/auth/login")
    client.post("/auth/login", data={"email": staff.email, "password": "nope", "csrf_token": token})
    client.post(
        "/auth/login",
        data={"email": "nobody@library.example", "password": "x", "csrf_token": token},
    )
    [ok] = _events("auth.sign_in")
    assert ok.actor_id == staff.id and ok.ip == "127.0.0.1" and len(ok.request_id) == 32
    assert ok.detail == {"method": "password"}
    assert [e.detail["reason"] for e in _events("auth.sign_in_failed")] == [
        "wrong_password",
        "unknown_account",
    ]
    unknown = _events("auth.sign_in_failed")[1]
    assert "nobody" not in json.dumps(unknown.detail)  # typed addresses are kept only hashed
    assert len(_events("auth.sign_out")) == 1


def test_each_event_is_one_json_line_that_user_input_cannot_break(client, caplog):
    caplog.set_level(logging.INFO, logger="teams_app.audit")
    token = csrf_from(client, "/auth/login")
    forged = 'x@library.example\n{"event": "auth.sign_in", "actor": "admin"}'
    client.post("/auth/forgot", data={"email": forged, "csrf_token": token})
    client.get("/auth/reset/forged\r\nINFO:teams_app.audit:{}")
    records = [r for r in caplog.records if r.name == "teams_app.audit"]
    assert records
    for record in records:
        message = record.getMessage()
        assert "\n" not in message and "\r" not in message
        line = json.loads(message)
        assert {"at", "event", "actor", "ip", "request_id"} <= set(line)
        assert line["at"].endswith("Z")
    assert not any(json.loads(r.getMessage())["event"] == "auth.sign_in" for r in records)


def test_account_token_and_role_changes_are_recorded(client, admin, api_as):
    person = UserFactory(name="Pat Person")
    api = api_as(admin)
    api.patch(f"/users/{person.id}", json={"role": "leadership"})
    api.patch(f"/users/{person.id}", json={"active": False})
    api.patch(f"/users/{person.id}", json={"active": True})
    created = api.post("/me/tokens", json={"name": "audited"}).get_json()
    api.delete(f"/me/tokens/{created['id']}")
    names = [e.event for e in _events()]
    for expected in (
        "user.role_changed",
        "user.deactivated",
        "user.reactivated",
        "token.created",
        "token.revoked",
    ):
        assert expected in names, names
    [role] = _events("user.role_changed")
    assert role.detail == {"before": "staff", "after": "leadership"}
    assert role.actor_id == admin.id and (role.object_type, role.object_id) == ("user", person.id)
    made = _events("token.created")[-1]  # the first is the token api_as made
    assert made.detail["prefix"] == created["prefix"] and created["token"] not in json.dumps(
        made.detail
    )


def test_an_admin_signing_someone_out_everywhere_is_recorded(client, admin):
    person = UserFactory(name="Lost Laptop")
    other = client.application.test_client()
    login(other, person)
    login(client, admin)
    response = post_form(client, f"/admin/users/{person.id}/sign-out", token_from="/admin/users")
    assert response.status_code == 302
    assert other.get("/account/").status_code == 302  # their session ended
    [event] = _events("user.sessions_ended")
    assert event.object_id == person.id and event.actor_id == admin.id


def test_a_403_on_a_real_object_is_recorded_with_the_object(api_as, staff):
    lead = UserFactory(name="Other Lead")
    team = make_team(lead, name="Other Team")
    initiative = initiative_services.create_initiative(
        lead, team_services.get_team(team.id), initiative_services.Details(title="Theirs")
    )
    response = api_as(staff).patch(
        f"/initiatives/{initiative.id}", json={"title": "Mine now", "version": 1}
    )
    assert response.status_code == 403
    [denied] = _events("access.denied")
    assert (denied.object_type, denied.object_id) == ("initiative", initiative.id)
    assert denied.actor_id == staff.id and denied.detail["method"] == "PATCH"


def test_csv_imports_and_exports_are_recorded(client, leader, api_as):
    body = "period,metric,score,scale_max,respondents\n2026-01,Customer satisfaction,4.1,5,300\n"
    response = api_as(leader).post(
        "/satisfaction/import", data=body, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 201
    login(client, leader)
    assert client.get("/barriers/export.csv").status_code == 200
    assert client.get("/portfolio/export/actions.csv").status_code == 200
    [imported] = _events("csv.imported")
    assert imported.detail["rows"] == 1
    assert [e.detail["export"] for e in _events("csv.exported")] == ["barriers", "actions"]


# --- The admin page ------------------------------------------------------------------------------


def _shown(client, query: str = "") -> list[str]:
    """The event names in the audit table, top to bottom."""
    page = client.get(f"/admin/audit{query}").get_data(as_text=True)
    return re.findall(r'<code class="small">([a-z_.]+)</code>', page)


def _details(client, query: str) -> list[str]:
    page = client.get(f"/admin/audit{query}").get_data(as_text=True)
    return re.findall(r"n</span>: (\d+)\s", page)


def test_admins_read_and_filter_recent_events(client, admin, staff):
    other = UserFactory(name="Quinn Other")
    audit.record("auth.sign_in_failed", actor=None, object=staff, reason="wrong_password")
    audit.record("auth.sign_in", actor=other, object=other, method="password")
    audit.record("token.created", actor=staff, object=("apitoken", 9), name="x", prefix="mt_x")
    login(client, admin)  # itself an auth.sign_in
    assert _shown(client)[:4] == [
        "auth.sign_in",
        "token.created",
        "auth.sign_in",
        "auth.sign_in_failed",
    ]
    assert "Quinn Other" in client.get("/admin/audit").get_data(as_text=True)
    assert _shown(client, "?event=auth.sign_in_failed") == ["auth.sign_in_failed"]
    assert _shown(client, f"?who={staff.email}") == ["token.created", "auth.sign_in_failed"]
    assert _shown(client, "?event=token.") == ["token.created"]
    assert _shown(client, "?object_type=apitoken&object_id=9") == ["token.created"]
    empty = client.get("/admin/audit?ip=192.0.2.200").get_data(as_text=True)
    assert "No events match these filters" in empty
    assert _shown(client, "?since=2999-12-31") == []
    assert client.get("/admin/audit?since=not-a-date&event=<script>").status_code == 200


def test_the_audit_page_is_paginated(client, admin):
    for n in range(60):
        audit.record("auth.sign_in_failed", actor=None, reason="unknown_account", n=n)
    login(client, admin)
    page = client.get("/admin/audit?event=auth.sign_in_failed").get_data(as_text=True)
    assert "Showing 1–50 of 60" in page
    assert _details(client, "?event=auth.sign_in_failed")[:2] == ["59", "58"]
    assert _details(client, "?event=auth.sign_in_failed&page=2")[-1] == "0"


@pytest.mark.parametrize("role", ["staff", "leadership"])
def test_only_admins_see_the_audit_log(client, role):
    login(client, UserFactory(role=role))
    assert client.get("/admin/audit").status_code == 403
    assert _events("access.denied")[0].detail["path"] == "/admin/audit"


def test_the_audit_page_stays_a_fixed_number_of_queries(client, admin, count_queries):
    login(client, admin)
    for n in range(5):
        audit.record("auth.sign_in", actor=UserFactory(), method="password", n=n)
    small = count_queries(lambda: client.get("/admin/audit"))
    for n in range(40):
        audit.record("auth.sign_in", actor=UserFactory(), method="password", n=n)
    assert count_queries(lambda: client.get("/admin/audit")) == small


def test_old_events_are_pruned_by_the_daily_job(app, run_jobs):
    from datetime import timedelta

    from teams_app.models import utcnow
    from teams_app.queue import get_queue

    audit.record("auth.sign_in", actor=None, method="password")
    db.session.add(AuditEvent(event="auth.sign_in", at=utcnow() - timedelta(days=401), detail={}))
    db.session.commit()
    get_queue("default").enqueue("jobs.maintenance.prune_audit_log")
    assert run_jobs() == 0
    assert len(_events()) == 1


def test_an_unknown_event_name_is_a_programming_error(app):
    with pytest.raises(KeyError):
        audit.record("auth.made_up")


# --- What an attacker tries first ----------------------------------------------------------------


def test_an_attackers_first_moves_all_fail_visibly_and_are_all_audited(app, api_as):
    """Guess passwords and tokens, replay a signed-out cookie, edit another team's initiative by
    id, add "role": "admin" to a profile update, post a script in a story, send a 50,000-deep
    JSON array."""
    victim = UserFactory(name="Vic Victim")
    attacker = UserFactory(name="Mal Attacker")
    browser = app.test_client()

    token = csrf_from(browser, "/auth/login")
    guess = browser.post(
        "/auth/login", data={"email": victim.email, "password": "password123", "csrf_token": token}
    )
    assert "do not match" in guess.get_data(as_text=True)
    assert (
        browser.get("/api/v1/me", headers={"Authorization": "Bearer mt_guess"}).status_code == 401
    )

    login(browser, attacker)
    kept = browser.get_cookie("session").value
    browser.post("/auth/logout", data={"csrf_token": csrf_from(browser, "/account/")})
    replay = app.test_client()
    replay.set_cookie("session", kept)
    assert replay.get("/account/").status_code == 302

    team = make_team(victim, name="Victim Team")
    initiative = initiative_services.create_initiative(
        victim, team_services.get_team(team.id), initiative_services.Details(title="Theirs")
    )
    api = api_as(attacker)
    assert (
        api.patch(f"/initiatives/{initiative.id}", json={"title": "x", "version": 1}).status_code
        == 403
    )
    assert api.patch("/me", json={"name": "Mal", "role": "admin"}).status_code == 422
    story = api.post(
        "/stories",
        json={
            "title": "Hello",
            "body": "Nice day <script>alert(document.cookie)</script>",
            "kind": "win",
            "no_personal_details": True,
        },
    )
    assert story.status_code == 201 and "<script" not in story.get_json()["body_html"]
    deep = api.client.patch(
        "/api/v1/me",
        data="[" * 50_000,
        headers={**api._headers(), "Content-Type": "application/json"},
    )
    assert deep.status_code == 400

    db.session.refresh(attacker)
    assert attacker.role == "staff"
    assert db.session.get(ImpactStory, story.get_json()["id"]) is not None
    seen = {(e.event, e.detail.get("reason")) for e in _events()}
    for expected in (
        ("auth.sign_in_failed", "wrong_password"),
        ("auth.token_failed", None),
        ("auth.session_rejected", "ended"),
        ("access.denied", "Your role does not allow this."),
        ("request.rejected", "unknown_fields"),
        ("content.sanitised", None),
        ("request.rejected", "json_too_deep"),
    ):
        assert expected in seen, f"{expected} not in {sorted(seen, key=str)}"
