"""Two app instances behind nginx (TRUSTED_PROXIES=1), restarted one at a time under load as
docs/deploy.md says: drain (out of the upstream, /readyz draining), SIGTERM with a graceful
timeout, start, check /readyz, back in. Then a SIGHUP reload in place. 0 failed requests."""

from __future__ import annotations

import signal
import time
import urllib.request
from pathlib import Path

import pytest

from tests.faults.conftest import PASSWORD, build_world
from tests.faults.services import Nginx, app_env, free_port, gunicorn, record_figure, wait_until
from tests.faults.traffic import Browser, Load

pytestmark = pytest.mark.faults


def readyz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_rolling_restart_behind_nginx_fails_no_request(
    database, redis_server, smtp, logs, started, tmp_path: Path
):
    world = build_world(database, redis_server.url, smtp.port, admins=0, staff=6)
    ports = [free_port(), free_port()]
    drains = {port: tmp_path / f"drain-{port}" for port in ports}

    def start(port: int):
        env = app_env(
            database, redis_server.url, smtp.port, TRUSTED_PROXIES="1", DRAIN_FILE=str(drains[port])
        )
        process = gunicorn(env, port, logs, name=f"web-{port}", workers=2)
        started.append(process)
        return process

    instances = {port: start(port) for port in ports}
    nginx = Nginx(logs)
    nginx.start({port: True for port in ports})
    try:
        browsers = [Browser(f"http://127.0.0.1:{nginx.port}") for _ in world.staff]
        for browser, email in zip(browsers, world.staff, strict=True):
            browser.sign_in(email, PASSWORD)

        def step(browser: Browser, n: int) -> None:
            if n % 5 == 4:
                browser.post("/account/tokens", {"name": f"token {id(browser)} {n}"})
            else:
                browser.get(["/", "/teams/", "/people/", "/barriers/"][n % 4])

        with Load(browsers, step, pause=0.02, seconds=240) as load:
            time.sleep(2)
            for port in ports:
                drains[port].touch()  # a load balancer with health checks stops sending here
                assert readyz(port) == 503
                nginx.set_upstreams({p: p != port for p in ports})  # nginx: out of the upstream
                time.sleep(2)  # nginx's old worker finishes what it had in flight
                instances[port].stop(timeout=30)  # SIGTERM: finish in-flight requests, exit
                drains[port].unlink()
                instances[port] = start(port)
                wait_until(lambda p=port: readyz(p) == 200, 30, "the new instance to be ready")
                nginx.set_upstreams({p: True for p in ports})
                time.sleep(3)
            # A reload in place: SIGHUP starts new workers, then stops the old ones gracefully.
            # (--preload: new workers fork from a master that already has the app, so none of
            # them has to boot it while requests wait.)
            instances[ports[0]].signal(signal.SIGHUP)
            time.sleep(5)
        answers = load.answers()
        assert not load.errors, load.errors[:5]
        assert len(answers) > 500, f"only {len(answers)} requests"
        failed = [
            (a.method, a.path, a.status, a.error) for a in answers if a.status not in (200, 302)
        ]
        assert failed == [], f"{len(failed)} failed requests, e.g. {failed[:5]}"
        assert all(instance.alive() for instance in instances.values())
        record_figure(
            "rolling-restart",
            f"{len(answers)} requests through nginx, 2 instances restarted one at a time and "
            "one SIGHUP reload, 0 failed",
        )
    finally:
        nginx.stop()
