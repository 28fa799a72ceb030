"""``make bench``: figures for password hashing and the directory at the size of a large system.

Runs against a throwaway SQLite file and an embedded Redis unless DATABASE_URL / REDIS_URL are
set. Prints medians and 95th percentiles; it asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask_migrate import upgrade

from bench.dataset import build, build_barriers, build_portfolio
from teams_app import create_app
from teams_app.account.services import create_token
from teams_app.barriers import queries as barrier_queries
from teams_app.barriers.services import similar_open
from teams_app.embedded_redis import EmbeddedRedis
from teams_app.extensions import db
from teams_app.models import User
from teams_app.security import hash_password, verify_password


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def report(name: str, figures: tuple[float, float]) -> None:
    print(f"{name:<52} median {figures[0]:8.1f} ms   p95 {figures[1]:8.1f} ms")


def main() -> None:
    people = int(os.environ.get("BENCH_PEOPLE", "2000"))
    barriers = int(os.environ.get("BENCH_BARRIERS", "10000"))
    initiatives = int(os.environ.get("BENCH_INITIATIVES", "5000"))
    with tempfile.TemporaryDirectory() as tmp:
        redis = None
        env = {
            "APP_ENV": "test",
            "SECRET_KEY": "bench-secret-key-bench-secret-key-0123",
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.db'}"),
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
        }
        if not env["REDIS_URL"]:
            redis = EmbeddedRedis(Path(tmp) / "redis", persist=False)
            env["REDIS_URL"] = redis.start()
        app = create_app({"ENV_OVERRIDES": env})
        try:
            with app.app_context():
                upgrade()
                build(people=people)
                build_barriers(barriers)
                build_portfolio(initiatives=initiatives)
                admin = db.session.query(User).filter_by(email="bench0@library.example").one()
                _, secret = create_token(admin, "bench")
                stored = hash_password("a sturdy passphrase")
                print(
                    f"Mission Teams benchmarks: {people} staff, {barriers} barriers, "
                    f"{initiatives} initiatives, {db.engine.dialect.name}"
                )
                report(
                    "argon2id hash_password",
                    timed(lambda: hash_password("a sturdy passphrase"), 10),
                )
                report(
                    "argon2id verify_password",
                    timed(lambda: verify_password(stored, "a sturdy passphrase"), 10),
                )
                client = app.test_client()
                headers = {"Authorization": f"Bearer {secret}"}
                report(
                    "GET /api/v1/users?per_page=50",
                    timed(lambda: client.get("/api/v1/users?per_page=50", headers=headers), 50),
                )
                report(
                    "GET /api/v1/users?q=bench1&per_page=200",
                    timed(
                        lambda: client.get("/api/v1/users?q=bench1&per_page=200", headers=headers),
                        50,
                    ),
                )
                report("GET /healthz", timed(lambda: client.get("/healthz"), 50))
                report(
                    "GET /api/v1/barriers?status=unresolved&sort=severity",
                    timed(
                        lambda: client.get(
                            "/api/v1/barriers?status=unresolved&sort=severity", headers=headers
                        ),
                        30,
                    ),
                )
                unresolved = barrier_queries.BarrierFilter(status="unresolved")
                report(
                    "register facet counts (6 GROUP BYs)",
                    timed(lambda: barrier_queries.facet_counts(unresolved), 30),
                )
                report(
                    "similar_open('holds shelf is hard to find')",
                    timed(lambda: similar_open("holds shelf is hard to find"), 30),
                )
                everything = barrier_queries.BarrierFilter()
                report(
                    f"CSV export of all {barriers} barriers",
                    timed(lambda: sum(1 for _ in barrier_queries.csv_lines(everything, str)), 5),
                )
                report(
                    "GET /api/v1/portfolio (matrix, attention, trends)",
                    timed(lambda: client.get("/api/v1/portfolio", headers=headers), 20),
                )
                report(
                    "GET /api/v1/actions?overdue=true",
                    timed(lambda: client.get("/api/v1/actions?overdue=true", headers=headers), 30),
                )
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
        finally:
            if redis is not None:
                redis.stop()


if __name__ == "__main__":
    main()
