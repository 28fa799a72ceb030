"""Digests under failure, with real worker processes: a worker killed with SIGKILL in the middle
of 200 digests, and Redis gone during a tick."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from jobs import digests as digest_jobs
from teams_app.digests import services
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.models import DigestDelivery, Membership, User, utcnow
from tests.conftest import TEST_SECRET, login
from tests.factories import UserFactory, make_team

RQ = str(Path(sys.executable).with_name("rq"))


def worker_env(app, smtp_server) -> dict[str, str]:
    controller, _ = smtp_server
    return {
        **os.environ,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "BASE_URL": "http://localhost",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(controller.port),
        "DIGEST_LEASE_SECONDS": "1",
    }


def start_worker(env: dict[str, str], *, burst: bool) -> subprocess.Popen:
    args = [RQ, "worker", "mail", "-w", "jobs.worker.AppSimpleWorker", "--url", env["REDIS_URL"]]
    if burst:
        args.append("--burst")
    # The burst worker's errors are read for the assertion message; the one we kill says nothing.
    stderr = subprocess.PIPE if burst else subprocess.DEVNULL
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def digests_by_person(mailbox) -> tuple[Counter, dict[str, set[str]]]:
    mails = [m for m in mailbox.messages if str(m["Subject"]).startswith("Your Mission Teams")]
    per_person = Counter(str(m["To"]) for m in mails)
    ids: dict[str, set[str]] = {}
    for m in mails:
        ids.setdefault(str(m["To"]), set()).add(str(m["Message-ID"]))
    return per_person, ids


def test_worker_killed_mid_run_of_200_then_a_new_worker_leaves_one_digest_each(
    app, smtp_server, mailbox, run_jobs
):
    lead = UserFactory(name="Lena Lead")
    team = make_team(lead, name="Big Team")
    people = [UserFactory(email=f"p{i}@library.example") for i in range(200)]
    db.session.add_all(
        Membership(team_id=team.id, user_id=p.id, role="member", state="active") for p in people
    )
    for p in people:
        p.digest_frequency, p.digest_hour, p.timezone = "daily", 0, "UTC"
        p.created_at = utcnow() - timedelta(days=2)
    lead.digest_frequency = "off"
    db.session.commit()
    run_jobs()  # the team's own notices
    mailbox.messages.clear()
    initiatives.create_initiative(lead, team, initiatives.Details(title="News for everyone"))
    assert digest_jobs.tick()["due"] == 200

    env = worker_env(app, smtp_server)
    app.config["DIGEST_LEASE_SECONDS"] = 1  # as the workers have it
    first = start_worker(env, burst=False)
    deadline = time.monotonic() + 120
    while len(mailbox.messages) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    sent_before = len(mailbox.messages)
    assert 0 < sent_before < 200, "the worker should die in the middle of the run"

    time.sleep(1.5)  # the dead worker's claim lapses (DIGEST_LEASE_SECONDS=1)
    db.session.expire_all()
    digest_jobs.tick()  # re-enqueues the lapsed claim, if the kill left one
    second = start_worker(env, burst=True)
    _, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()[-2000:]

    per_person, ids = digests_by_person(mailbox)
    assert set(per_person) == {p.email for p in people}
    # One digest each: one Message-ID per person. If the kill fell between the SMTP server
    # accepting a mail and the ledger recording it, that one mail can arrive twice, with the
    # same Message-ID (so mail clients show it once); nobody gets two different digests.
    assert all(len(found) == 1 for found in ids.values())
    assert sum(per_person.values()) <= 201
    db.session.expire_all()
    statuses = Counter(db.session.scalars(select(DigestDelivery.status)))
    assert statuses == {"sent": 200}


def test_redis_down_during_a_tick_breaks_no_page_and_digests_go_out_after(
    app, client, mailbox, run_jobs
):
    lead = UserFactory(name="Lena Lead")
    member = UserFactory(name="Mo Member", email="mo@library.example")
    team = make_team(lead, name="Desk Team", members=(member,))
    run_jobs()
    mailbox.messages.clear()
    member.digest_frequency, member.digest_hour, member.timezone = "daily", 0, "UTC"
    member.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    initiatives.create_initiative(lead, team, initiatives.Details(title="While Redis was down"))

    good = app.config["REDIS_URL"]
    app.extensions.pop("redis", None)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        with pytest.raises(Exception):  # noqa: B017 - the tick itself cannot reach Redis
            digest_jobs.tick()
        login(client, member)
        assert client.get("/").status_code == 200
        assert client.get("/digest/preview").status_code == 200
        assert client.get("/healthz").status_code == 503
    finally:
        app.extensions.pop("redis", None)
        app.config["REDIS_URL"] = good
    # Nothing was claimed, so the next tick finds the person due from the database alone.
    assert [u.id for u, _ in services.due()] == [member.id]
    assert digest_jobs.tick()["due"] == 1
    assert run_jobs() == 0
    assert len(mailbox.to("mo@library.example")) == 1
    assert db.session.get(User, member.id).digest_frequency == "daily"
