"""Mail under SMTP faults and worker deaths, with real worker processes: an SMTP server that
refuses then accepts (delivered once), one that is down until the last retry (failed, visible,
and resent once from the operations page), and workers killed with SIGKILL mid-run or stopped
with SIGTERM mid-job (every mail and digest exactly once)."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import psycopg
import pytest

from tests.faults.conftest import PASSWORD, build_world
from tests.faults.services import (
    RESEND_LINK,
    app_env,
    children_of,
    free_port,
    gunicorn,
    record_figure,
    scheduler,
    wait_until,
    worker,
)
from tests.faults.traffic import CSRF_RE, Browser
from tests.faults.traffic import invite as invite_through_the_form

pytestmark = pytest.mark.faults
INVITE = "You're invited to Mission Teams"


def invite(admin: Browser, email: str) -> None:
    answer = invite_through_the_form(admin, email)
    assert answer.status == 302, answer.body[:500]


def outbox(url: str) -> list[tuple[str, str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT key, status, attempts FROM outbox_jobs ORDER BY id").fetchall()
    return [(str(k), str(s), int(a)) for k, s, a in rows]


@pytest.fixture
def mail_stack(database, redis_server, smtp, logs, started):
    world = build_world(database, redis_server.url, smtp.port, admins=1, staff=0)
    env = app_env(database, redis_server.url, smtp.port)
    port = free_port()
    started.append(gunicorn(env, port, logs, workers=2))
    started.append(worker(env, logs))
    admin = Browser(f"http://127.0.0.1:{port}")
    admin.sign_in(world.admins[0], PASSWORD)
    return admin


def test_smtp_refusing_then_accepting_delivers_once(mail_stack, database, smtp):
    smtp.inbox.refuse = 2  # the first two tries get "451 try again later"
    invite(mail_stack, "patient@library.example")
    wait_until(lambda: smtp.inbox.to("patient@library.example"), 30, "the invitation")
    wait_until(lambda: outbox(database)[-1][1] == "done", 10, "the row to be done")
    time.sleep(2)
    assert len(smtp.inbox.to("patient@library.example")) == 1
    assert outbox(database)[-1][1:] == ("done", 3)


def test_smtp_down_until_the_last_retry_fails_visibly_and_is_resent_once(
    mail_stack, database, smtp
):
    smtp.stop()
    invite(mail_stack, "unlucky@library.example")
    wait_until(lambda: outbox(database)[-1][1] == "failed", 40, "every retry to fail")
    assert outbox(database)[-1][2] == 4  # the first try and three retries
    page = mail_stack.get("/admin/operations").body
    assert "unlucky@library.example" in page and "Invitation mail" in page
    assert "ConnectionRefusedError" in page

    smtp.start()
    resend = RESEND_LINK.search(page).group(0)  # the "Resend…" link of the failed row
    confirm = mail_stack.get(resend)
    assert confirm.status == 200 and "Resend this invitation mail?" in confirm.body
    token = CSRF_RE.search(confirm.body).group(1)
    done = mail_stack.request("POST", resend, data={"csrf_token": token})
    assert done.status == 302
    wait_until(lambda: smtp.inbox.to("unlucky@library.example"), 30, "the resent invitation")
    time.sleep(2)
    assert len(smtp.inbox.to("unlucky@library.example")) == 1
    assert outbox(database)[-1][1] == "done"
    with psycopg.connect(database) as conn:
        audit = conn.execute("SELECT count(*) FROM activities WHERE verb = 'resent_job'").fetchone()
    assert audit == (1,)


def _due_digests(url: str, redis_url: str, smtp_port: int, people: int) -> list[str]:
    """People due a daily digest with news in it; the tick enqueues their digests."""
    from jobs.digests import tick
    from teams_app import create_app
    from teams_app.extensions import db
    from teams_app.initiatives import services as initiatives
    from teams_app.models import Membership, User, utcnow
    from teams_app.teams import services as teams

    app = create_app({"ENV_OVERRIDES": app_env(url, redis_url, smtp_port, APP_ENV="test")})
    with app.app_context():
        lead = User(email="digest.lead@library.example", name="Digest Lead", password_hash="x")
        boss = User(email="digest.boss@library.example", name="Boss", password_hash="x")
        boss.role = "leadership"
        db.session.add_all([lead, boss])
        db.session.commit()
        team = teams.propose_team(
            lead, teams.Charter(name="Digest Team", problem="p" * 20, goal="g" * 10)
        )
        teams.charter_team(boss, team, boss.id)
        emails = []
        for i in range(people):
            person = User(
                email=f"reader{i}@library.example",
                name=f"Reader {i}",
                password_hash="x",
                digest_frequency="daily",
                digest_hour=0,
                timezone="UTC",
                created_at=utcnow() - timedelta(days=2),
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Membership(team_id=team.id, user_id=person.id, role="member", state="active")
            )
            emails.append(person.email)
        db.session.commit()
        initiatives.create_initiative(lead, teams.get_team(team.id), initiatives.Details("News"))
        assert tick()["due"] == people
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return emails


def _kill_with_horse(process) -> None:
    for child in children_of(process.pid):  # the work horse has its own process group
        os.kill(child, signal.SIGKILL)
    process.signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_workers_killed_mid_run_or_stopped_mid_job_send_everything_exactly_once(
    database, redis_server, smtp, logs, started
):
    world = build_world(database, redis_server.url, smtp.port, admins=1, staff=0)
    env = app_env(
        database, redis_server.url, smtp.port, OUTBOX_LEASE_SECONDS="3", DIGEST_LEASE_SECONDS="3"
    )
    port = free_port()
    started.append(gunicorn(env, port, logs, workers=2))
    admin = Browser(f"http://127.0.0.1:{port}")
    admin.sign_in(world.admins[0], PASSWORD)
    invitees = [f"invitee{i}@library.example" for i in range(30)]
    for email in invitees:
        invite(admin, email)
    readers = _due_digests(database, redis_server.url, smtp.port, 20)
    smtp.inbox.delay = 0.15  # each mail takes a while: kills land mid-job
    total = len(invitees) + len(readers)

    first = worker(env, logs, name="killed")
    started.append(first)
    wait_until(lambda: len(smtp.inbox.messages) >= 8, 60, "the first worker to send some")
    _kill_with_horse(first)

    second = worker(env, logs, name="stopped")
    started.append(second)
    wait_until(lambda: len(smtp.inbox.messages) >= 20, 60, "the second worker to send more")
    second.signal(signal.SIGTERM)  # warm shutdown: the job in hand is finished first
    assert second.wait(timeout=30) == 0
    assert "warm shut down requested" in second.log()
    assert len(smtp.inbox.messages) < total, "the workers should stop in the middle"

    time.sleep(3.5)  # the killed worker's claims lapse (leases of 3 s)
    started.append(scheduler(env, logs))  # its first ticks re-enqueue what the kill left
    started.append(worker(env, logs, name="last"))
    everyone = {e.lower() for e in invitees + readers}
    wait_until(lambda: set(smtp.inbox.ids_by_recipient()) >= everyone, 90, "every mail and digest")
    wait_until(lambda: all(s == "done" for _, s, _ in outbox(database)), 30, "all rows done")
    time.sleep(2)
    ids = smtp.inbox.ids_by_recipient()
    # One message each. Only a kill between the SMTP server accepting a mail and the ledger
    # recording it can repeat one, and then with the same Message-ID.
    assert {who: len(found) for who, found in ids.items() if who in everyone} == {
        who: 1 for who in everyone
    }
    per_person = Counter(str(m["To"]).lower() for m in smtp.inbox.messages)
    repeats = sum(per_person[who] for who in everyone) - total
    assert repeats <= 1
    record_figure(
        "worker-kill",
        f"{total} mails and digests, one worker SIGKILLed and one SIGTERMed mid-run: each "
        f"person one Message-ID, {repeats} repeated delivery",
    )
    with psycopg.connect(database) as conn:
        digests = conn.execute(
            "SELECT status, count(*) FROM digest_deliveries GROUP BY 1"
        ).fetchall()
    assert dict(digests) == {"sent": len(readers)}
