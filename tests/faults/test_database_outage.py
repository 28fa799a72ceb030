"""PostgreSQL stopped (fast, then immediate) for 20 s under load: every request during the outage
answers within 2 s with a 503 (the HTML page and the API's JSON), and the first 200 comes
within 2 s of the database's return, with no restart of the app."""

from __future__ import annotations

import json
import time

import pytest

from tests.faults.conftest import PASSWORD, build_world
from tests.faults.services import app_env, free_port, gunicorn, record_figure
from tests.faults.traffic import Answer, Browser, Load

pytestmark = pytest.mark.faults
OUTAGE_SECONDS = 20


def _is_outage_page(answer: Answer) -> bool:
    if answer.status != 503 or not answer.headers.get("Retry-After"):
        return False
    if answer.path.startswith("/api/"):
        error = json.loads(answer.body)["error"]
        return error["code"] == "unavailable" and error["status"] == 503
    return "We'll be right back" in answer.body and "try again" in answer.body.lower()


def test_postgresql_stopped_under_load_answers_503_and_recovers_by_itself(
    pg, database, redis_server, smtp, logs, started
):
    world = build_world(database, redis_server.url, smtp.port, admins=0, staff=4)
    port = free_port()
    started.append(web := gunicorn(app_env(database, redis_server.url, smtp.port), port, logs))
    browsers = [Browser(f"http://127.0.0.1:{port}", timeout=5) for _ in world.staff]
    for browser, email in zip(browsers, world.staff, strict=True):
        browser.sign_in(email, PASSWORD)
    tokens = {id(b): world.tokens[e] for b, e in zip(browsers, world.staff, strict=True)}

    def step(browser: Browser, n: int) -> None:
        if n % 2:
            browser.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[id(browser)]}"})
        else:
            browser.get(["/", "/teams/", "/people/"][n % 3])

    for mode in ("fast", "immediate"):
        for browser in browsers:
            browser.answers.clear()
        with Load(browsers, step, pause=0.1, seconds=OUTAGE_SECONDS + 30) as load:
            time.sleep(3)
            pg.stop(mode)
            stopped_at = time.monotonic()
            time.sleep(OUTAGE_SECONDS)
            restart_at = time.monotonic()
            pg.start()
            back_at = time.monotonic()
            time.sleep(4)
        answers = load.answers()
        assert not load.errors, load.errors[:5]
        broken = [(a.path, a.status, a.error) for a in answers if a.status in (0, 500)]
        assert broken == [], f"{mode}: {broken[:5]}"
        during = [
            a for a in answers if stopped_at <= a.started and a.started + a.elapsed < restart_at
        ]
        assert len(during) > 100, f"{mode}: only {len(during)} requests during the outage"
        wrong = [(a.path, a.status) for a in during if not _is_outage_page(a)]
        assert wrong == [], f"{mode}: not the 503 page: {wrong[:5]}"
        slow = max(a.elapsed for a in during)
        assert slow < 2, f"{mode}: a request took {slow:.2f} s during the outage"
        assert {a.path.startswith("/api/") for a in during} == {True, False}
        first_ok = min(
            (a.started + a.elapsed for a in answers if a.status == 200 and a.started >= restart_at),
            default=None,
        )
        assert first_ok is not None, f"{mode}: no 200 after the database came back"
        assert first_ok - back_at < 2, f"{mode}: first 200 {first_ok - back_at:.2f} s after return"
        record_figure(
            f"postgresql-{mode}-stop",
            f"{len(during)} requests during {OUTAGE_SECONDS} s, all 503, slowest {slow:.3f} s; "
            f"first 200 {first_ok - back_at:.2f} s after the database returned",
        )
    assert web.alive(), "the app was never restarted"
