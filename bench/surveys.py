"""``python -m bench.surveys`` (and the last figure of ``make bench``): a burst of public answers.

Issue 17's target: at least 100 answers/s on this machine, with no error and every answer stored
once. A customer survey (a 1-5 rating, a multiple choice, a comment) is published in a database
of its own (PostgreSQL when one answers, as ``bench.run``; SQLite otherwise), served by the
production gunicorn command with a private Redis, and answered through the real public form at
``/s/<token>?branch=<id>``, exactly as a phone does:

1. ``BENCH_SURVEY_ANSWERS`` (default 1,000) forms are fetched first, each with its own session
   cookie, CSRF token and signed form token (the one-time submission key that carries the time
   the form was shown);
2. the bench waits out the real minimum fill time (``SURVEY_MIN_FILL_SECONDS``, left at its
   default of 3 s) once for the whole batch;
3. every form is posted at once by ``BENCH_SURVEY_CLIENTS`` (16) concurrent clients; the
   honeypot field is sent empty, as a person's browser sends it.

The per-address rate limit (``SURVEY_PUBLIC_LIMIT``, 30 a minute) is raised for the bench to
"1000000 per minute": every answer comes from one loopback address here, where real customers
come from many. Everything else (CSRF, honeypot, fill time, double-submit key) is as in
production. Afterwards the stored responses are counted: there must be exactly one per answer
sent and no duplicate submission key. Prints answers/s for the posting phase and PASS or MISS
against 100/s.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import func, select

from bench.serve import SECRET_KEY, Databases, Gunicorn
from teams_app import create_app
from teams_app.embedded_redis import EmbeddedRedis
from teams_app.extensions import db
from teams_app.models import Department, Survey, SurveyResponse, User
from teams_app.security import hash_password
from teams_app.surveys import services
from teams_app.surveys.services import ChoiceDetails, QuestionDetails, SurveyDetails

TARGET = 100.0  # answers per second
LIMIT = "1000000 per minute"
MIN_FILL_SECONDS = 3
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
THANKS = "Thank you"


@dataclass
class Form:
    path: str
    cookie: str
    csrf: str
    key: str


@dataclass
class Survey_:
    token: str
    rating_id: int
    multiple_id: int
    choice_ids: list[int]
    text_id: int
    branches: list[int]


def _setup(url: str, redis_url: str) -> Survey_:
    """Migrate the database and publish the customer survey the bench answers."""

    app = create_app({"ENV_OVERRIDES": _env(url, redis_url) | {"LOG_LEVEL": "WARNING"}})
    with app.app_context():
        upgrade()
        leader = User(
            email="bench-leader@library.example",
            name="Bench Leader",
            role="leadership",
            password_hash=hash_password("bench passphrase 123"),
        )
        db.session.add(leader)
        branches = [
            Department(name=f"Branch {n}", name_key=f"branch {n}", kind="branch") for n in range(4)
        ]
        db.session.add_all(branches)
        db.session.commit()
        today = services.today()
        made = services.create_survey(
            leader,
            SurveyDetails(
                title="How was your visit?",
                audience="customers",
                opens_on=today - timedelta(days=1),
                closes_on=today + timedelta(days=7),
                languages=["en"],
                questions=[
                    QuestionDetails("rating5", {"en": "How satisfied are you?"}, required=True),
                    QuestionDetails(
                        "multiple",
                        {"en": "What did you come for?"},
                        choices=[ChoiceDetails({"en": t}) for t in ("Books", "Computers", "Help")],
                    ),
                    QuestionDetails("long_text", {"en": "Did anything get in the way?"}),
                ],
            ),
        )
        services.publish(leader, services.get_survey(made.id))
        survey = services.get_survey(made.id)
        rating, multiple, text = survey.questions
        out = Survey_(
            survey.public_token,
            rating.id,
            multiple.id,
            [c.id for c in multiple.choices],
            text.id,
            [b.id for b in branches],
        )
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return out


def _env(url: str, redis_url: str) -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SURVEY_PUBLIC_LIMIT": LIMIT,
        "SURVEY_MIN_FILL_SECONDS": str(MIN_FILL_SECONDS),
    }


def _cookies(headers: Any) -> str:
    jar = {}
    for raw in headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(raw).items():
            jar[name] = morsel.value
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _fetch(base: str, survey: Survey_, n: int) -> Form:
    """One respondent opens the form (production cookies are Secure, so carried by hand)."""
    path = f"/s/{survey.token}?branch={survey.branches[n % len(survey.branches)]}"
    with urllib.request.urlopen(base + path, timeout=60) as page:
        html = page.read().decode()
        cookie = _cookies(page.headers)
    csrf, key = CSRF_RE.search(html), KEY_RE.search(html)
    if csrf is None or key is None:
        raise RuntimeError("the public form has no csrf_token or submission_key")
    return Form(path, cookie, csrf.group(1), key.group(1))


def _post(base: str, survey: Survey_, form: Form, n: int) -> str | None:
    """Send one answer; None when it was thanked, else what went wrong."""
    fields: list[tuple[str, str]] = [
        ("csrf_token", form.csrf),
        ("submission_key", form.key),
        ("website", ""),
        (f"q{survey.rating_id}", str(1 + n % 5)),
        (f"q{survey.multiple_id}", str(survey.choice_ids[n % 3])),
    ]
    if n % 2:
        fields.append((f"q{survey.text_id}", f"Comment number {n}: the printers jam."))
    request = urllib.request.Request(
        base + form.path,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Cookie": form.cookie, "Origin": base},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            body = answer.read().decode()
            return None if THANKS in body else f"{answer.status} without thanks"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except OSError as error:
        return type(error).__name__


def burst(dbs: Databases, redis_url: str, tmp: Path) -> dict[str, Any]:
    """Run the burst on a fresh database from ``dbs``; return (and print) its figures."""
    answers = int(os.environ.get("BENCH_SURVEY_ANSWERS", "1000"))
    clients = int(os.environ.get("BENCH_SURVEY_CLIENTS", "16"))
    url = dbs.create("surveys")
    survey = _setup(url, redis_url)
    server = Gunicorn("wsgi:app", _env(url, redis_url), tmp / "gunicorn-surveys.log")
    try:
        server.wait("/healthz")
        print(f"\nPublic survey answers: fetching {answers:,} forms...", flush=True)
        with ThreadPoolExecutor(clients) as pool:
            forms = list(pool.map(lambda n: _fetch(server.url, survey, n), range(answers)))
        time.sleep(MIN_FILL_SECONDS + 0.5)  # the real minimum fill time, once for the batch
        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            problems = list(
                pool.map(lambda nf: _post(server.url, survey, nf[1], nf[0]), enumerate(forms))
            )
        seconds = time.perf_counter() - start
    finally:
        server.stop()
    app = create_app({"ENV_OVERRIDES": _env(url, redis_url) | {"LOG_LEVEL": "WARNING"}})
    with app.app_context():
        survey_id = db.session.scalar(select(Survey.id).where(Survey.public_token == survey.token))
        stored = db.session.scalar(
            select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey_id)
        )
        keys = db.session.scalar(
            select(func.count(func.distinct(SurveyResponse.submission_key))).where(
                SurveyResponse.survey_id == survey_id
            )
        )
        counter = db.session.scalar(select(Survey.response_count).where(Survey.id == survey_id))
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    errors = [p for p in problems if p is not None]
    rate = answers / seconds if seconds else 0.0
    once = stored == answers == keys == counter
    passed = rate >= TARGET and not errors and once
    kinds = sorted({e for e in errors})
    print(
        f"{answers:,} answers from {clients} clients in {seconds:.2f} s: {rate:,.0f} answers/s; "
        f"{len(errors)} errors{(' (' + ', '.join(kinds[:3]) + ')') if errors else ''}; "
        f"{stored:,} stored ({keys:,} distinct keys, counter {counter:,})"
    )
    print(
        f"{'PASS' if passed else 'MISS'}: a burst of public answers, at least {TARGET:g} "
        "answers/s with no error and every answer stored once",
        flush=True,
    )
    return {
        "answers": answers,
        "clients": clients,
        "seconds": round(seconds, 2),
        "answers_per_s": round(rate, 1),
        "errors": len(errors),
        "stored": stored,
        "distinct_keys": keys,
        "response_count": counter,
        "target_per_s": TARGET,
        "passed": passed,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        dbs = Databases(tmp)
        print(f"Public survey answers on {dbs.backend}", flush=True)
        redis = EmbeddedRedis(tmp / "redis", persist=False)
        redis_url = redis.start()
        try:
            burst(dbs, redis_url, tmp)
        finally:
            redis.stop()
            dbs.drop_all()


if __name__ == "__main__":
    main()
