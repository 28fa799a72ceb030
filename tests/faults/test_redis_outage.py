"""Redis stopped for 60 s while 8 people browse and write: no 5xx, every mail triggered during
the outage arrives exactly once after Redis returns, and the worker and scheduler are still
running, with nobody restarting them. And a Redis without persistence restarted with jobs
queued: every one of those mails still arrives, once."""

from __future__ import annotations

import itertools
import signal
import time
from collections import Counter

import pytest

from tests.faults.conftest import PASSWORD, build_world
from tests.faults.services import (
    app_env,
    free_port,
    gunicorn,
    record_figure,
    scheduler,
    wait_until,
    worker,
)
from tests.faults.traffic import Browser, Load, invite

pytestmark = pytest.mark.faults

PAGES = ["/", "/teams/", "/people/", "/barriers/", "/initiatives/", "/stories/"]
OUTAGE_SECONDS = 60


def test_redis_down_for_a_minute_loses_no_mail_and_needs_no_restart(
    database, redis_server, smtp, logs, started
):
    world = build_world(database, redis_server.url, smtp.port, admins=2, staff=6, teams=30)
    env = app_env(database, redis_server.url, smtp.port)
    port = free_port()
    started.append(gunicorn(env, port, logs))
    workers = [worker(env, logs, name=f"worker{i}") for i in range(2)]  # any number may run
    started.extend(workers)
    started.append(cron := scheduler(env, logs))

    base = f"http://127.0.0.1:{port}"
    admins = [Browser(base) for _ in world.admins]
    staff = [Browser(base) for _ in world.staff]
    for browser, email in zip(admins + staff, world.admins + world.staff, strict=True):
        browser.sign_in(email, PASSWORD)
    names = {id(b): f"Staff Person {i}" for i, b in enumerate(staff)}
    expected: list[tuple[str, str, float]] = []  # (to, subject, when the write was answered)
    invites = itertools.count(1)
    joined: dict[int, int] = {id(b): 0 for b in staff}

    def step(browser: Browser, n: int) -> None:
        if n % 10 != 9:
            browser.get(PAGES[n % len(PAGES)])
            return
        if browser in admins:
            email = f"invitee{next(invites)}@library.example"
            answer = invite(browser, email)
            if answer.status == 302:
                expected.append((email, "You're invited to Mission Teams", time.monotonic()))
            return
        k = joined[id(browser)]
        if k >= len(world.teams):
            browser.get("/teams/")
            return
        team = world.teams[k]
        joined[id(browser)] += 1
        answer = browser.post(
            f"/teams/{team['slug']}/join", {"message": "I can help on Saturdays."}
        )
        if answer.status == 302:
            subject = f"{names[id(browser)]} asks to join {team['name']}"
            expected.append((team["lead"], subject, time.monotonic()))

    with Load(admins + staff, step, pause=0.15, seconds=OUTAGE_SECONDS + 60) as load:
        time.sleep(5)
        redis_server.stop()
        down_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        redis_server.start()
        up_at = time.monotonic()
        time.sleep(8)
    answers = load.answers()
    assert not load.errors, load.errors[:5]
    during = [a for a in answers if down_at <= a.started < up_at]
    assert len(during) > 500, f"only {len(during)} requests during the outage"
    server_errors = [
        (a.method, a.path, a.status) for a in answers if a.status >= 500 or a.status == 0
    ]
    assert server_errors == [], server_errors[:10]

    triggered_in_outage = [e for e in expected if down_at <= e[2] < up_at]
    assert len(triggered_in_outage) >= 20, "the outage should see plenty of mail-triggering writes"
    wanted = Counter((to, subject) for to, subject, _ in expected)

    def received() -> Counter:
        return Counter(
            (str(m["To"]).lower(), str(m["Subject"]))
            for m in smtp.inbox.messages
            if (str(m["To"]).lower(), str(m["Subject"])) in wanted
        )

    wait_until(lambda: set(received()) == set(wanted), 120, "every triggered mail to arrive")
    record_figure(
        "redis-outage",
        f"{len(during)} requests during the {OUTAGE_SECONDS} s outage, 0 5xx; "
        f"{len(triggered_in_outage)} of {len(expected)} mails triggered during it; all arrived "
        f"{time.monotonic() - up_at:.1f} s after Redis returned",
    )
    time.sleep(3)  # a duplicate would show up now
    assert received() == wanted, "each mail exactly once"
    assert all(w.alive() for w in workers) and cron.alive(), "they survive without a restart"
    assert "Redis is back" in cron.log()
    assert all("Redis is back" in w.log() for w in workers)
    for process in [*workers, cron]:  # and they still stop when asked
        process.signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, process.log()[-2000:]


def test_a_redis_without_persistence_restarted_with_jobs_queued_still_sends_each_once(
    database, redis_server, smtp, logs, started
):
    world = build_world(database, redis_server.url, smtp.port, admins=1, staff=0)
    env = app_env(database, redis_server.url, smtp.port)
    port = free_port()
    started.append(gunicorn(env, port, logs, workers=2))
    admin = Browser(f"http://127.0.0.1:{port}")
    admin.sign_in(world.admins[0], PASSWORD)
    emails = [f"queued{i}@library.example" for i in range(12)]
    for email in emails:  # no worker yet: the jobs wait in Redis
        answer = invite(admin, email)
        assert answer.status == 302
    from redis import Redis

    assert Redis.from_url(redis_server.url).llen("rq:queue:mail") == len(emails)
    redis_server.stop()
    redis_server.start()  # no persistence: the queue is gone
    assert Redis.from_url(redis_server.url).llen("rq:queue:mail") == 0
    time.sleep(3.5)  # older than the sweep's grace period
    started.append(worker(env, logs))  # its start-up sweep pushes the rows Redis lost
    wait_until(lambda: all(smtp.inbox.to(e) for e in emails), 60, "the lost invitations to arrive")
    time.sleep(2)
    assert Counter(str(m["To"]) for m in smtp.inbox.messages) == Counter(emails)
