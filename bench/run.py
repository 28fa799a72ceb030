"""``make bench``: every main page and API list at a large library's size, under the production
gunicorn command and wrk, as a share of what the stack itself can do (docs/performance.md).

Builds the data set (``bench.dataset``, ``BENCH_SCALE``, default 1.0) in a fresh database of its
own: PostgreSQL on the server ``DATABASE_URL`` names or, without it, on 127.0.0.1:5432 when that
answers; SQLite otherwise. Serves it with ``gunicorn -w 2 --preload --graceful-timeout 30
wsgi:app`` (``APP_ENV=production``) and a private Redis, signs in as a leadership user through
the sign-in form, and drives each page with wrk at 16 connections for ``BENCH_SECONDS`` (5),
right after a round against a one-route Flask app under the same command (``bench.ceiling``);
``BENCH_ROUNDS`` (1) such pairs per page, the median pair counting.
Then does the key pages again at a tenth of the data (``BENCH_TENTH=0`` skips it), and a burst
of public survey answers (``bench.surveys``; ``BENCH_SURVEYS=0`` skips it). Prints the
tables, writes them to ``bench/results/``, drops its databases. Asserts nothing.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from redis import Redis

from bench.dataset import Dataset, build_library
from bench.pages import Page, growth_table, measure_in_process, pages, run_rounds, table
from bench.serve import SECRET_KEY, Databases, Gunicorn, sign_in
from bench.surveys import burst
from teams_app import create_app
from teams_app.account.services import create_token
from teams_app.embedded_redis import EmbeddedRedis
from teams_app.extensions import db
from teams_app.models import User
from teams_app.security import hash_password, verify_password

RESULTS = Path(__file__).with_name("results")
TOKENS = 50  # the API allows each token 300 requests a minute; wrk uses them in turn


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and 95th percentile of ``repeat`` runs of ``action``, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def report(name: str, figures: tuple[float, float]) -> None:
    print(f"{name:<52} median {figures[0]:8.1f} ms   p95 {figures[1]:8.1f} ms")


def password_figures() -> dict[str, float]:
    """What one argon2id hash and one verification cost here (a sign-in pays one of each)."""
    stored = hash_password("a sturdy passphrase")
    hashing = timed(lambda: hash_password("a sturdy passphrase"), 5)
    verifying = timed(lambda: verify_password(stored, "a sturdy passphrase"), 5)
    report("argon2id hash_password", hashing)
    report("argon2id verify_password", verifying)
    return {"hash_ms": round(hashing[0], 1), "verify_ms": round(verifying[0], 1)}


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_mb": mem,
        "python": platform.python_version(),
        "wrk": wrk.strip(),
    }


class Size:
    """One data set: its database, data, gunicorn and the pages measured on it."""

    def __init__(
        self, label: str, scale: float, seed: int, dbs: Databases, redis_url: str, tmp: Path
    ) -> None:
        self.label, self.scale = label, scale
        url = dbs.create(label)
        self.env = {
            "APP_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
        }
        Redis.from_url(redis_url).flushall()  # nothing cached from the other size
        self.app = create_app({"ENV_OVERRIDES": {**self.env, "LOG_LEVEL": "WARNING"}})
        with self.app.app_context():
            upgrade()
            self.data: Dataset = build_library(scale, seed)
            leader = db.session.scalar(db.select(User).filter_by(email=self.data.leader_email))
            assert leader is not None
            self.tokens = [create_token(leader, f"bench {i}")[1] for i in range(TOKENS)]
            db.session.remove()
        counts = ", ".join(f"{n:,} {t}" for t, n in self.data.counts.items())
        print(
            f"\n{label} data set (scale {scale:g}) built in {self.data.seconds:.1f} s: {counts}"
            f"\n  search index: {self.data.documents:,} documents in "
            f"{self.data.index_seconds:.1f} s (flask search reindex, inside the build time)",
            flush=True,
        )
        self.log = tmp / f"gunicorn-{label}.log"
        self.server = Gunicorn("wsgi:app", self.env, self.log)

    def measure(self, todo: list[Page], ceiling: Gunicorn, seconds: float, rounds: int) -> None:
        self.server.wait("/healthz")
        cookie = sign_in(self.server.url, self.data.leader_email, self.data.password)
        print(f"signed in as {self.data.leader_email}; in-process queries and bytes...", flush=True)
        measure_in_process(
            self.app, todo, self.data.leader_email, self.data.password, self.tokens[0]
        )
        print(f"wrk rounds of {seconds:g} s, ceiling then page:", flush=True)
        run_rounds(
            todo,
            self.server.url,
            ceiling.url,
            cookie,
            self.tokens,
            seconds,
            dict(os.environ),
            rounds,
        )

    def stop(self) -> None:
        self.server.stop()
        with self.app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "5"))
    rounds = max(1, int(os.environ.get("BENCH_ROUNDS", "1")))
    scale = float(os.environ.get("BENCH_SCALE", "1.0"))
    seed = int(os.environ.get("BENCH_SEED", "12"))
    with_tenth = os.environ.get("BENCH_TENTH", "1") != "0"
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        dbs = Databases(tmp)
        backend = dbs.backend
        print(f"Mission Teams page benchmark on {backend}", flush=True)
        passwords = password_figures()
        redis = EmbeddedRedis(tmp / "redis", persist=False)
        redis_url = redis.start()
        ceiling = Gunicorn("bench.ceiling:app", {"APP_ENV": "production"}, tmp / "ceiling.log")
        sizes: list[Size] = []
        try:
            ceiling.wait()
            full = Size("full", scale, seed, dbs, redis_url, tmp)
            sizes.append(full)
            full_pages = pages(full.data)
            full.measure(full_pages, ceiling, seconds, rounds)
            full.stop()
            print(f"\nScale {scale:g} on {backend}, {seconds:g} s rounds, 16 connections:")
            print(table(full_pages), flush=True)
            growth, growth_rows = "", list[dict[str, Any]]()
            if with_tenth:
                small = Size("tenth", scale / 10, seed, dbs, redis_url, tmp)
                sizes.append(small)
                small_pages = [p for p in pages(small.data) if p.key]
                small.measure(small_pages, ceiling, seconds, rounds)
                small.stop()
                growth, growth_rows = growth_table(full_pages, small_pages)
                print(f"\nFull ({scale:g}) against a tenth ({scale / 10:g}) of the data:")
                print(growth, flush=True)
            # Issue 17: a burst of public survey answers (bench.surveys), on its own database.
            surveys = (
                burst(dbs, redis_url, tmp) if os.environ.get("BENCH_SURVEYS", "1") != "0" else None
            )
            results = {
                "started": started.isoformat(timespec="seconds"),
                "backend": backend,
                "machine": machine(),
                "passwords": passwords,
                "scale": scale,
                "seed": seed,
                "seconds_per_round": seconds,
                "rounds_per_page": rounds,
                "connections": 16,
                "dataset": {
                    "build_seconds": round(full.data.seconds, 2),
                    "index_seconds": round(full.data.index_seconds, 2),
                    "search_documents": full.data.documents,
                    **full.data.counts,
                },
                "pages": [p.as_json() for p in full_pages],
                "tenth": growth_rows,
                "table": table(full_pages),
                "growth_table": growth,
                "survey_answers": surveys,
            }
            RESULTS.mkdir(exist_ok=True)
            stamp = started.strftime("%Y%m%dT%H%M%SZ")
            for name in (f"{stamp}.json", "latest.json"):
                (RESULTS / name).write_text(json.dumps(results, indent=2) + "\n")
            print(
                f"\nwritten to bench/results/{stamp}.json and latest.json "
                f"({time.time() - started.timestamp():.0f} s in all)"
            )
        except Exception:
            for size in sizes:
                if size.log.exists():
                    print(f"--- last lines of {size.log.name}:")
                    print("\n".join(size.log.read_text().splitlines()[-30:]))
            raise
        finally:
            for size in sizes:
                size.server.stop()
            ceiling.stop()
            redis.stop()
            dbs.drop_all()


if __name__ == "__main__":
    main()
