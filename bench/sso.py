"""``python -m bench.sso``: what a single sign-on costs, against the real test provider.

Times the app's two requests (start: redirect to the provider; callback: code redeemed,
ID token checked, account found or made, session started) for first sign-ins (accounts made
just in time) and for returning people, over loopback. The provider's own pages are not timed.
Needs Node.js and tests/oidc/node_modules (``make test`` installs them). Asserts nothing.
"""

from __future__ import annotations

import contextvars
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask_migrate import upgrade

from bench.run import report
from teams_app import create_app
from teams_app.embedded_redis import EmbeddedRedis
from teams_app.extensions import db
from tests.oidc.fixtures import provider_config
from tests.oidc.harness import IdpBrowser, OidcProvider, account, free_port, why_unavailable


def figures(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    reason = why_unavailable()
    if reason:
        raise SystemExit(reason)
    people = int(os.environ.get("BENCH_SSO_PEOPLE", "40"))
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        idp = OidcProvider(Path(tmp), issuer=f"http://127.0.0.1:{port}", port=port)
        idp.set_accounts({f"p{n}": account(f"p{n}") for n in range(people)})
        idp.start()
        redis = EmbeddedRedis(Path(tmp) / "redis", persist=False)
        env = {
            "APP_ENV": "test",
            "SECRET_KEY": "bench-secret-key-bench-secret-key-0123",
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{Path(tmp) / 'sso.db'}"),
            "REDIS_URL": redis.start(),
            "BASE_URL": "http://localhost",
        }
        app = create_app({"ENV_OVERRIDES": env, "SSO_PROVIDERS": (provider_config(idp.issuer),)})
        try:
            with app.app_context():
                upgrade()
                timings: dict[str, list[float]] = {}

                def get(client: Any, path: str) -> Any:
                    # Each request in its own context, as under a WSGI server: the bench's app
                    # context would otherwise hand one person's cached user to the next.
                    return contextvars.Context().run(client.get, path)

                def sign_in(login: str, kind: str) -> None:
                    client, browser = app.test_client(), IdpBrowser()
                    start = time.perf_counter()
                    started: Any = get(client, "/auth/sso/testidp")
                    timings.setdefault(f"{kind}: start", []).append(
                        (time.perf_counter() - start) * 1000
                    )
                    callback = urlsplit(browser.sign_in(started.headers["Location"], login))
                    start = time.perf_counter()
                    done: Any = get(client, f"{callback.path}?{callback.query}")
                    timings.setdefault(f"{kind}: callback", []).append(
                        (time.perf_counter() - start) * 1000
                    )
                    assert done.status_code == 302, done.get_data(as_text=True)[:300]

                for n in range(people):
                    sign_in(f"p{n}", "first sign-in (account made)")
                for n in range(people):
                    sign_in(f"p{n}", "returning")
                print(
                    f"Single sign-on against oidc-provider: {people} people, "
                    f"{db.engine.dialect.name}"
                )
                for name, samples in timings.items():
                    report(name, figures(samples))
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
        finally:
            redis.stop()
            idp.stop()


if __name__ == "__main__":
    main()
