"""Digests in batches: the same content as one at a time, one SMTP connection per batch, a
failure in the middle of a batch costs nobody a digest nor sends anyone two, and the production
worker builds the app once, not in every job."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import subprocess
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from rq import Queue
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty
from sqlalchemy import select

from jobs import digests as digest_jobs
from teams_app.barriers import services as barriers
from teams_app.digests import batches, content
from teams_app.digests.schedule import period_for
from teams_app.extensions import db
from teams_app.initiatives import services as initiatives
from teams_app.mail import build_message, deliver, smtp_session
from teams_app.models import DigestDelivery, Membership, User, utcnow
from teams_app.stories import services as stories
from teams_app.teams import services as teams
from tests.conftest import _free_port
from tests.factories import UserFactory, logged_action, make_story, make_team
from tests.integration.test_digest_workers import RQ, worker_env


class CountingSMTP:
    """An SMTP listener that counts connections and can refuse chosen messages once."""

    def __init__(
        self,
        refuse_once: set[int] | None = None,
        closing_at_mail: set[int] | None = None,
        slow: set[int] | None = None,
        drop_after_data: set[int] | None = None,
    ) -> None:
        self.connections = 0
        self.received: list[str] = []  # recipients, in order
        self.seen = 0
        self.mails = 0
        self.refuse_once = set(refuse_once or ())
        self.closing_at_mail = set(closing_at_mail or ())  # answer 421 to these MAIL FROMs
        self.slow = set(slow or ())  # accept these messages, but too late
        self.drop_after_data = set(drop_after_data or ())  # accept, then hang up unanswered
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:  # noqa: N802,E501
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.mails += 1
            if self.mails in self.closing_at_mail:
                return "421 Service closing transmission channel"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.seen += 1
            seen = self.seen
            if seen in self.refuse_once:
                return "451 Try again later"
            self.received.extend(envelope.rcpt_tos)
        if seen in self.slow:
            await asyncio.sleep(6)  # longer than the job timeout below
        if seen in self.drop_after_data:
            server.transport.close()  # accepted, but the reply never reaches the client
        return "250 Message accepted"


@pytest.fixture
def counting_smtp(app):
    def start(**kwargs: Any) -> CountingSMTP:
        handler = CountingSMTP(**kwargs)
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
        controller.start()
        started.append(controller)
        app.config["MAIL_PORT"] = controller.port
        return handler

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


def due_now(users: list[User]) -> None:
    for user in users:
        user.digest_frequency, user.digest_hour, user.timezone = "daily", 0, "UTC"
        user.created_at = utcnow() - timedelta(days=2)
    db.session.commit()


def a_team_of(count: int, run_jobs) -> tuple[User, list[User]]:
    lead = UserFactory(name="Lena Lead")
    team = make_team(lead, name="Big Team")
    people = [UserFactory(email=f"reader{i}@library.example") for i in range(count)]
    db.session.add_all(
        Membership(team_id=team.id, user_id=p.id, role="member", state="active") for p in people
    )
    lead.digest_frequency = "off"
    db.session.commit()
    due_now(people)
    run_jobs()  # the team's own notices
    initiatives.create_initiative(lead, team, initiatives.Details(title="News for everyone"))
    return lead, people


def test_a_batch_builds_each_digest_exactly_as_one_at_a_time(app, run_jobs):
    lead = UserFactory(name="Lena Lead", timezone="Pacific/Kiritimati")
    member = UserFactory(name="Mo Member")
    boss = UserFactory(name="Lou Leader", role="leadership", timezone="America/New_York")
    outsider = UserFactory(name="Oz Outsider")
    desk = make_team(lead, name="Desk Team", members=(member,))
    helper = UserFactory(name="Hal Helper")
    other = make_team(outsider, name="Other Team", members=(helper,))
    make_team(member, name="Fresh Idea", status="proposed")
    shaky = initiatives.create_initiative(lead, desk, initiatives.Details(title="Shaky"))
    initiatives.post_update(lead, initiatives.get_initiative(shaky.id), "off_track", "Stuck.")
    initiatives.create_initiative(helper, other, initiatives.Details(title="Elsewhere"))
    barrier = barriers.report_barrier(
        member,
        barriers.BarrierDetails(
            title="Printer jams",
            category="technology",
            affects="staff",
            severity="high",
            source="staff",
            team_id=desk.id,
        ),
    )
    today = barriers.today_for(lead)
    logged_action(lead, "Call IT", today - timedelta(days=2), barrier=barrier, owner_id=lead.id)
    logged_action(lead, "Soon", today + timedelta(days=3), barrier=barrier, owner_id=member.id)
    stale = initiatives.create_initiative(lead, desk, initiatives.Details(title="Old idea"))
    initiatives.get_initiative(stale.id).update_due_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    ask = make_team(lead, name="Ask Team", open_to_join=False)
    teams.join_team(UserFactory(name="Asha Asker"), ask, "Please")
    stories.feature_story(boss, make_story(member, title="Passport found"))
    until = utcnow() + timedelta(seconds=1)
    # Different windows: the batch's queries span the widest, each digest keeps its own.
    windows = [
        content.Window(db.session.get(User, lead.id), until - timedelta(days=3), until),
        content.Window(db.session.get(User, member.id), until - timedelta(minutes=1), until),
        content.Window(db.session.get(User, boss.id), until - timedelta(days=1), until),
        content.Window(db.session.get(User, outsider.id), until - timedelta(hours=1), until),
    ]
    alone = [content.build(w.user, w.since, w.until).as_dict() for w in windows]
    together = [d.as_dict() for d in content.build_many(windows)]
    assert together == alone
    titles = {s["title"] for d in alone for s in d["sections"]}
    assert {"Your actions", "Your initiatives", "Waiting for you", "Across the portfolio"} <= titles
    assert {"Desk Team", "Other Team", "Impact Story of the Month"} <= titles


def test_a_batch_runs_the_same_few_queries_for_two_people_or_twenty(app, count_queries):
    lead = UserFactory(role="leadership")
    people = [UserFactory() for _ in range(20)]
    team = make_team(lead, name="Busy Team", members=tuple(people))
    for i in range(5):
        initiatives.create_initiative(lead, team, initiatives.Details(title=f"I{i}"))
    since, until = utcnow() - timedelta(days=1), utcnow() + timedelta(seconds=1)
    users = list(db.session.scalars(select(User).order_by(User.id)))  # loaded, as a job has them
    windows = [content.Window(u, since, until) for u in users]
    two = count_queries(lambda: content.build_many(windows[:2]))
    twenty = count_queries(lambda: content.build_many(windows))
    assert two == twenty <= 10  # 10: the conversations section (notifications) is one more


def test_a_batch_of_digests_goes_over_one_smtp_connection(app, run_jobs, counting_smtp):
    _, people = a_team_of(12, run_jobs)
    smtp = counting_smtp()
    assert digest_jobs.tick()["due"] == 12
    assert run_jobs() == 0
    assert sorted(smtp.received) == sorted(p.email for p in people)
    assert smtp.connections == 1


def test_a_refusal_in_the_middle_of_a_batch_leaves_one_digest_each_after_the_retry(
    app, run_jobs, counting_smtp
):
    app.config["DIGEST_RETRY_INTERVALS"] = [0, 0]
    _, people = a_team_of(6, run_jobs)
    smtp = counting_smtp(refuse_once={3})  # the third message of the batch
    assert digest_jobs.tick()["due"] == 6
    assert run_jobs() == 0  # the retry sent what the first try could not
    assert Counter(smtp.received) == {p.email: 1 for p in people}
    rows = list(db.session.scalars(select(DigestDelivery).order_by(DigestDelivery.user_id)))
    assert [r.status for r in rows] == ["sent"] * 6
    assert sorted(r.attempts for r in rows) == [1] * 5 + [2]
    assert all(r.error is None for r in rows)
    # First try: one connection, dropped at the refusal, one more for the rest; the retry: one.
    assert smtp.connections == 3


def test_a_batch_whose_smtp_never_accepts_fails_every_row_on_the_last_try(
    app, run_jobs, counting_smtp
):
    app.config["DIGEST_RETRY_INTERVALS"] = [0]
    _, people = a_team_of(3, run_jobs)
    counting_smtp(refuse_once=set(range(1, 100)))
    digest_jobs.tick()
    assert run_jobs() == 1
    rows = list(db.session.scalars(select(DigestDelivery)))
    assert [(r.status, r.attempts) for r in rows] == [("failed", 2)] * 3
    assert all("451" in r.error for r in rows)
    assert digest_jobs.tick() == {"due": 0, "retried": 0}


def test_the_tick_does_not_enqueue_people_whose_batch_is_waiting(app, run_jobs):
    a_team_of(5, run_jobs)
    assert digest_jobs.tick()["due"] == 5
    assert digest_jobs.tick()["due"] == 0
    queue = Queue("mail", connection=Redis.from_url(app.config["REDIS_URL"]))
    assert len([i for i in queue.get_job_ids() if i.startswith("digests-")]) == 1


def test_an_smtp_session_reconnects_when_the_server_dropped_the_idle_connection(app, counting_smtp):
    smtp = counting_smtp()
    with app.test_request_context(), smtp_session() as session:
        deliver(build_message("a@library.example", "One", "digest", **_empty_digest()))
        assert session.smtp is not None
        session.smtp.sock.shutdown(socket.SHUT_RDWR)  # as a server's idle timeout would
        deliver(build_message("b@library.example", "Two", "digest", **_empty_digest()))
    assert smtp.received == ["a@library.example", "b@library.example"]
    assert smtp.connections == 2 and session.connections == 2


def test_an_smtp_session_sends_again_when_the_server_closes_at_mail_from(app, counting_smtp):
    smtp = counting_smtp(closing_at_mail={2})  # 421 to the second message's MAIL FROM
    with app.test_request_context(), smtp_session() as session:
        for to in ("a@library.example", "b@library.example", "c@library.example"):
            deliver(build_message(to, "Hello", "digest", **_empty_digest()))
    assert smtp.received == ["a@library.example", "b@library.example", "c@library.example"]
    assert smtp.connections == 2 and session.connections == 2


def test_an_smtp_session_does_not_send_again_once_the_message_was_handed_over(app, counting_smtp):
    smtp = counting_smtp(drop_after_data={2})  # the server took it, the 250 got lost
    with app.test_request_context(), smtp_session() as session:
        deliver(build_message("a@library.example", "One", "digest", **_empty_digest()))
        with pytest.raises(smtplib.SMTPServerDisconnected):
            deliver(build_message("b@library.example", "Two", "digest", **_empty_digest()))
        deliver(build_message("c@library.example", "Three", "digest", **_empty_digest()))
    assert smtp.received == ["a@library.example", "b@library.example", "c@library.example"]
    assert session.connections == 2


def test_a_batch_stops_at_the_job_timeout_and_records_the_message_it_was_sending(
    app, run_jobs, counting_smtp
):
    _, people = a_team_of(4, run_jobs)
    smtp = counting_smtp(slow={2})
    now = utcnow()
    work = [(p.id, period_for(p, now).key) for p in people]
    with pytest.raises(JobTimeoutException), UnixSignalDeathPenalty(4, JobTimeoutException):
        batches.send_batch(work, "the-job", last_try=False)
    db.session.expire_all()
    rows = {r.user_id: r for r in db.session.scalars(select(DigestDelivery))}
    first, second, *rest = (rows[p.id] for p in people)
    assert first.status == "sent"
    assert second.status == "claimed" and second.sending_since is None
    assert second.error.startswith("JobTimeoutException")
    assert [(r.status, r.attempts) for r in rest] == [("claimed", 0)] * 2  # never started
    assert len(smtp.received) == 2  # nothing went out after the timeout


def _empty_digest() -> dict[str, Any]:
    user = UserFactory()
    return {
        "user": user,
        "digest": content.Digest(),
        "unsubscribe_url": "http://localhost/u",
        "preferences_url": "http://localhost/p",
        "since": utcnow(),
    }


def test_the_forking_worker_builds_the_app_once_for_all_its_jobs(app, smtp_server):
    queue = Queue("mail", connection=Redis.from_url(app.config["REDIS_URL"]))
    jobs = [queue.enqueue("bench.jobs.where_am_i") for _ in range(2)]
    env = worker_env(app, smtp_server)
    worker = subprocess.Popen(
        [RQ, "worker", "mail", "-w", "jobs.worker.AppWorker", "--burst", "--url", env["REDIS_URL"]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err.decode()[-2000:]
    seen = []
    for job in jobs:
        job.refresh()
        seen.append(job.return_value())
    assert all(s is not None for s in seen), err.decode()[-2000:]
    assert len({s["pid"] for s in seen}) == 2  # a work horse per job, as RQ forks them
    assert {s["ppid"] for s in seen} == {worker.pid}
    assert {s["app_built_in"] for s in seen} == {worker.pid}  # built in the parent, once
