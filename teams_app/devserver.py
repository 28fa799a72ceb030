"""``make run``: migrate, seed the demo, and serve the web app with a worker and the scheduler.

Starts an embedded Redis unless REDIS_URL is set, and a demo OpenID provider ("Demo IdP", the
test provider in tests/oidc) unless SSO_PROVIDERS is set or Node.js is missing. Ctrl-C stops
every process it started.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from teams_app import ROOT
from teams_app.embedded_redis import EmbeddedRedis

BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, check=True, env=env, cwd=ROOT)


terminated = False
DEMO_IDP_DIR = ROOT / "tests" / "oidc"
DEMO_IDP_CLIENT = ("mission-teams-demo", "mission-teams-demo-client-secret-0123456789")


def start_demo_idp(env: dict[str, str], host: str, port: int) -> subprocess.Popen[bytes] | None:
    """Run the demo OpenID provider and point the app at it (through ``env``)."""
    node = shutil.which("node")
    if "SSO_PROVIDERS" in env or env.get("DEMO_IDP") == "0":
        return None
    if node is None or not (DEMO_IDP_DIR / "node_modules" / "oidc-provider").exists():
        print(
            "* no demo OpenID provider: it needs Node.js (make run installs it when npm is there)"
        )
        return None
    from teams_app.demo import demo_idp_accounts

    work = ROOT / "instance" / "demo-idp"
    work.mkdir(parents=True, exist_ok=True)
    issuer = f"http://{host}:{port}"
    (work / "accounts.json").write_text(json.dumps(demo_idp_accounts()))
    (work / "provider.json").write_text(
        json.dumps(
            {
                "issuer": issuer,
                "port": port,
                "accounts_file": str(work / "accounts.json"),
                "clients": [{"client_id": DEMO_IDP_CLIENT[0], "client_secret": DEMO_IDP_CLIENT[1]}],
            }
        )
    )
    env.update(
        {
            "SSO_PROVIDERS": "demo",
            "SSO_DEMO_NAME": "Demo IdP",
            "SSO_DEMO_ISSUER": issuer,
            "SSO_DEMO_CLIENT_ID": DEMO_IDP_CLIENT[0],
            "SSO_DEMO_CLIENT_SECRET": DEMO_IDP_CLIENT[1],
            "SSO_DEMO_DOMAINS": "pioneer.example",
            "SSO_DEMO_SCOPES": "openid email profile groups",
            "SSO_DEMO_GROUPS_CLAIM": "groups",
            "SSO_DEMO_ADMIN_GROUPS": "mt-admins",
            "SSO_DEMO_LEADERSHIP_GROUPS": "mt-leadership",
        }
    )
    log = (work / "provider.log").open("wb")
    print(f"* demo OpenID provider (Demo IdP) on {issuer}")
    return subprocess.Popen(
        [node, str(DEMO_IDP_DIR / "provider.mjs"), str(work / "provider.json")],
        cwd=DEMO_IDP_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C, so the same clean-up stops every child."""
    global terminated
    terminated = True
    raise KeyboardInterrupt


def main() -> int:
    # Handle Ctrl-C even when started from a shell that ignores SIGINT in the background.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "wsgi.py")
    port = env.get("PORT", "5000")
    host = env.get("HOST", "127.0.0.1")
    env.setdefault("BASE_URL", f"http://{host}:{port}")

    redis: EmbeddedRedis | None = None
    if not env.get("REDIS_URL"):
        redis = EmbeddedRedis(ROOT / "instance")
        env["REDIS_URL"] = redis.start()
        print(f"* embedded Redis on {env['REDIS_URL']}")

    children: list[subprocess.Popen[bytes]] = []
    idp = start_demo_idp(env, host, int(env.get("DEMO_IDP_PORT") or int(port) + 1))
    if idp is not None:
        children.append(idp)

    def stop(grace: float) -> None:
        """Children share our terminal, so Ctrl-C already reached them: give them ``grace``
        seconds to finish their warm shutdown before a SIGTERM (a second signal makes RQ's
        cron scheduler log a traceback). Redis goes last, in its own session."""
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(c.poll() is None for c in children):
            time.sleep(0.1)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis is not None:
            redis.stop()

    try:
        print("* migrating the database and loading the demo data")
        _run([str(BIN / "flask"), "db", "upgrade"], env)
        _run([str(BIN / "flask"), "seed-demo"], env)
        url = env["REDIS_URL"]
        children.append(
            subprocess.Popen(
                [
                    str(BIN / "rq"),
                    "worker",
                    "--with-scheduler",
                    "-w",
                    "jobs.worker.AppWorker",
                    "-u",
                    url,
                    "mail",
                    "default",
                ],
                env=env,
                cwd=ROOT,
            )
        )
        children.append(
            subprocess.Popen(
                [str(BIN / "rq"), "cron", "jobs/cron.py", "-u", url], env=env, cwd=ROOT
            )
        )
        children.append(
            subprocess.Popen(
                [str(BIN / "flask"), "run", "--host", host, "--port", port], env=env, cwd=ROOT
            )
        )
        print(
            f"\n  Mission Teams is running at {env['BASE_URL']}  (Ctrl-C stops everything)\n",
            flush=True,
        )
        signal.signal(signal.SIGTERM, _interrupt)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("* a process stopped; shutting down the rest", file=sys.stderr)
        stop(grace=0)
        return 1
    except subprocess.CalledProcessError as exc:
        print(
            f"* setup failed: {' '.join(map(str, exc.cmd))} exited {exc.returncode}",
            file=sys.stderr,
        )
        stop(grace=0)
        return exc.returncode
    except KeyboardInterrupt:
        print("\n* stopping…")
        stop(grace=0 if terminated else 8)
        return 0


if __name__ == "__main__":
    sys.exit(main())
