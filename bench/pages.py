"""The pages the benchmark drives, one wrk round each next to a ceiling round, and what one
request of each costs in-process (SQL queries, bytes, milliseconds)."""

from __future__ import annotations

import contextvars
import json
import re
import statistics
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from bench.dataset import Dataset
from teams_app.extensions import db

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
CONNECTIONS = 16
# The targets of issue 12 (docs/performance.md).
MIN_SHARE = 1 / 40
MAX_P99_MS = 300.0
MAX_QUERIES = 15
MAX_GROWTH = 1.5


@dataclass
class Page:
    name: str
    path: str
    api: bool = False
    key: bool = False  # also run at a tenth of the data, to see how cost grows
    redirect: bool = False  # answers 302 (a permalink): wrk counts 3xx as answered
    queries: int = 0
    bytes: int = 0
    status: int = 0
    inproc_ms: float = 0.0
    load: dict[str, Any] = field(default_factory=dict)
    ceiling: dict[str, Any] = field(default_factory=dict)
    rounds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def share(self) -> float:
        """This page's requests/s as a share of the ceiling's, measured in the round before."""
        if not self.load or not self.ceiling.get("rps"):
            return 0.0
        return float(self.load["rps"]) / float(self.ceiling["rps"])

    def misses(self) -> list[str]:
        out = []
        ok = 302 if self.redirect else 200
        if self.status != ok or self.load.get("non_2xx_3xx") or self.load.get("socket_errors"):
            out.append("errors")
        if self.share < MIN_SHARE:
            out.append("share")
        if self.load.get("p99_ms", 0) >= MAX_P99_MS:
            out.append("p99")
        if self.queries > MAX_QUERIES:
            out.append("queries")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "api": self.api,
            "status": self.status,
            "queries": self.queries,
            "bytes": self.bytes,
            "inproc_ms": round(self.inproc_ms, 2),
            "share_of_ceiling": round(self.share, 5),
            "load": self.load,
            "ceiling": self.ceiling,
            "rounds": self.rounds,
            "misses": self.misses(),
        }


def pages(data: Dataset) -> list[Page]:
    """Every main page and every API list, on the biggest team, initiative and story."""
    team, initiative, story = data.big_team_slug, data.big_initiative_id, data.big_story_id
    return [
        Page("home", "/", key=True),
        Page("teams directory", "/teams/", key=True),
        Page("team page", f"/teams/{team}", key=True),
        Page("team board", f"/teams/{team}/board"),
        Page("initiative page", f"/initiatives/{initiative}", key=True),
        # Issue 18: the same initiative carries a thread of 500 comments (the page shows its
        # latest 50 top-level comments); an earlier page of it, the thread page, the inbox of
        # 10,000 notifications, the Following page and their API lists.
        Page("initiative, earlier comments", f"/initiatives/{initiative}?comments_page=1"),
        Page("thread page", f"/conversations/initiatives/{initiative}", key=True),
        Page("comment permalink", f"/comments/{data.early_comment_id}", redirect=True),
        Page("inbox", "/inbox", key=True),
        Page("inbox, unread", "/inbox?unread=1"),
        Page("following", "/following"),
        Page("initiatives list", "/initiatives/", key=True),
        Page("barrier register", "/barriers/", key=True),
        Page("my actions", "/actions/", key=True),
        Page("stories feed", "/stories/", key=True),
        Page("story page", f"/stories/{story}"),
        Page("portfolio", "/portfolio/", key=True),
        Page("portfolio board", "/portfolio/board", key=True),
        Page("printable report", "/portfolio/report"),
        Page("satisfaction", "/satisfaction/", key=True),
        Page("people directory", "/people/", key=True),
        # Search: two common words over every kind, a phrase with an exclusion, the typeahead.
        Page("search", "/search?q=holds+shelf", key=True),
        Page("search, phrase -word", "/search?q=%22printer+queue%22+-saturday"),
        Page("search typeahead", "/search/suggest?q=holds+sh"),
        Page("GET /api/v1/search", "/api/v1/search?q=holds+shelf", api=True, key=True),
        Page("GET /api/v1/teams", "/api/v1/teams", api=True),
        Page("GET /api/v1/initiatives", "/api/v1/initiatives", api=True, key=True),
        Page("GET /api/v1/stages", "/api/v1/stages", api=True),
        Page("GET /api/v1/barriers", "/api/v1/barriers", api=True, key=True),
        Page("GET /api/v1/actions", "/api/v1/actions", api=True, key=True),
        Page("GET /api/v1/stories", "/api/v1/stories", api=True),
        Page("GET /api/v1/users", "/api/v1/users", api=True),
        Page("GET /api/v1/departments", "/api/v1/departments", api=True),
        Page("GET /api/v1/me/tokens", "/api/v1/me/tokens", api=True),
        Page("GET /api/v1/satisfaction", "/api/v1/satisfaction", api=True),
        Page("GET /api/v1/portfolio", "/api/v1/portfolio", api=True, key=True),
        Page(
            "GET /api/v1/initiatives/…/comments",
            f"/api/v1/initiatives/{initiative}/comments",
            api=True,
            key=True,
        ),
        Page("GET /api/v1/me/notifications", "/api/v1/me/notifications", api=True, key=True),
        Page("GET /api/v1/me/follows", "/api/v1/me/follows", api=True),
    ]


# --- in-process: queries, bytes and time of one request ---------------------------------------


def measure_in_process(app: Flask, todo: list[Page], email: str, password: str, token: str) -> None:
    """One warm-up and five timed requests per page through ``app.test_client()``, signed in
    through the same form, counting SQL statements with ``before_cursor_execute``."""
    client = app.test_client()
    base = "https://localhost"  # production cookies are Secure

    def get(path: str, **kwargs: Any) -> Any:
        # Each request in its own context, as under a WSGI server.
        return contextvars.Context().run(client.get, path, base_url=base, **kwargs)

    form = get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert csrf is not None, "no csrf_token on the sign-in page"
    signed = contextvars.Context().run(
        client.post,
        "/auth/login",
        base_url=base,
        # Over HTTPS Flask-WTF wants the Referer a browser sends.
        headers={"Referer": f"{base}/auth/login"},
        data={"csrf_token": csrf.group(1), "email": email, "password": password},
    )
    assert signed.status_code == 302, "in-process sign-in failed"
    with app.app_context():
        engine = db.engine
    count = [0]

    def counter(*_: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        for page in todo:
            headers = {"Authorization": f"Bearer {token}"} if page.api else {}
            get(page.path, headers=headers)
            samples = []
            for _ in range(5):
                count[0] = 0
                start = time.perf_counter()
                response = get(page.path, headers=headers)
                samples.append((time.perf_counter() - start) * 1000)
            page.status, page.queries = response.status_code, count[0]
            page.bytes = len(response.get_data())
            page.inproc_ms = statistics.median(samples)
    finally:
        event.remove(engine, "before_cursor_execute", counter)


# --- under load: wrk against gunicorn ---------------------------------------------------------


def wrk(url: str, seconds: float, env: dict[str, str]) -> dict[str, Any]:
    """One wrk round at 16 connections; the Lua script's done() prints the figures as JSON."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency", "--timeout", "30s"]
        + ["-s", str(WRK_SCRIPT), url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    figures: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    return figures


def warm(url: str, headers: dict[str, str], times: int = 4) -> None:
    """A few requests first, so each worker has compiled its templates and opened connections."""
    for _ in range(times):
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60).close()


def run_rounds(
    todo: list[Page],
    app_url: str,
    ceiling_url: str,
    cookie: str,
    tokens: list[str],
    seconds: float,
    env: dict[str, str],
    rounds: int = 1,
) -> None:
    """For each page a ceiling round, then the page's round: the ratio compares two rounds
    measured seconds apart, so whatever else the machine is doing weighs on both alike."""
    for page in todo:
        auth = (
            {"BENCH_TOKENS": ",".join(tokens), "BENCH_COOKIE": ""}
            if page.api
            else {"BENCH_COOKIE": cookie, "BENCH_TOKENS": ""}
        )
        header = {"Authorization": f"Bearer {tokens[0]}"} if page.api else {"Cookie": cookie}
        warm(app_url + page.path, header)
        plain = {**env, "BENCH_COOKIE": "", "BENCH_TOKENS": ""}
        pairs = []
        for _ in range(rounds):
            ceiling = wrk(ceiling_url + "/", seconds, plain)
            time.sleep(0.5)  # wrk leaves up to 16 requests queued: let the server drain
            load = wrk(app_url + page.path, seconds, {**env, **auth})
            time.sleep(0.5)
            pairs.append((load["rps"] / max(ceiling["rps"], 1e-9), load, ceiling))
        # With several rounds, the pair whose share is the median stands for the page.
        pairs.sort(key=lambda pair: pair[0])
        _, page.load, page.ceiling = pairs[len(pairs) // 2]
        page.rounds = [{"load": load, "ceiling": ceiling} for _, load, ceiling in pairs]
        print(
            f"  {page.name:<28} {page.load['rps']:8.1f} req/s  ceiling {page.ceiling['rps']:8.1f}",
            flush=True,
        )


# --- printing ---------------------------------------------------------------------------------


def one_in(share: float) -> str:
    return f"1/{1 / share:.0f}" if share > 0 else "-"


def table(todo: list[Page]) -> str:
    head = (
        f"| {'page':<28} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'ceiling':>7} "
        f"| {'share':>7} | {'decimal':>7} | {'queries':>7} | {'KB':>7} | {'1 req ms':>8} | check |"
    )
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    for p in todo:
        lines.append(
            f"| {p.name:<28} | {p.load['rps']:7.1f} | {p.load['p50_ms']:7.1f} "
            f"| {p.load['p99_ms']:7.1f} | {p.ceiling['rps']:7.0f} | {one_in(p.share):>7} "
            f"| {p.share:7.4f} | {p.queries:7d} | {p.bytes / 1024:7.1f} | {p.inproc_ms:8.1f} "
            f"| {', '.join(p.misses()) or 'ok'} |"
        )
    return "\n".join(lines)


def growth_table(full: list[Page], tenth: list[Page]) -> tuple[str, list[dict[str, Any]]]:
    """Full against a tenth: each size's share of its own ceiling round, so the ratio is the
    page's cost growth with background noise divided out; the in-process time ratio beside it."""
    by_name = {p.name: p for p in full}
    head = (
        f"| {'page':<28} | {'full share':>10} | {'tenth share':>11} | {'full/tenth':>10} "
        f"| {'1 req ms full':>13} | {'1 req ms tenth':>14} | {'queries':>9} | check |"
    )
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    rows = []
    for small in tenth:
        big = by_name[small.name]
        growth = small.share / big.share if big.share else 0.0
        verdict = "ok" if growth <= MAX_GROWTH else "growth"
        rows.append(
            {
                "name": small.name,
                "full_share": round(big.share, 5),
                "tenth_share": round(small.share, 5),
                "full_over_tenth": round(growth, 3),
                "inproc_ms_full": round(big.inproc_ms, 2),
                "inproc_ms_tenth": round(small.inproc_ms, 2),
                "queries_full": big.queries,
                "queries_tenth": small.queries,
                "tenth": small.as_json(),
            }
        )
        lines.append(
            f"| {small.name:<28} | {one_in(big.share):>10} | {one_in(small.share):>11} "
            f"| {growth:9.2f}x | {big.inproc_ms:13.1f} | {small.inproc_ms:14.1f} "
            f"| {big.queries:>4}/{small.queries:<4} | {verdict} |"
        )
    return "\n".join(lines), rows
