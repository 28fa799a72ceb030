"""``make run``: migrate, seed the demo, and serve the web app with a worker and the scheduler.

Starts an embedded Redis unless REDIS_URL is set, and a demo OpenID provider ("Demo IdP", the
test provider in tests/oidc) unless SSO_PROVIDERS is set or Node.js is missing. A child that
exits is started again (``teams_app.supervisor``). Ctrl-C stops every process it started.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from teams_app import ROOT
from teams_app.demo import demo_idp_accounts
from teams_app.embedded_redis import EmbeddedRedis
from teams_app.supervisor import Supervisor

BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, check=True, env=env, cwd=ROOT)


terminated = False
DEMO_IDP_DIR = ROOT / "tests" / "oidc"
DEMO_IDP_CLIENT = ("mission-teams-demo", "mission-teams-demo-client-secret-0123456789")


def demo_idp_command(env: dict[str, str], host: str, port: int) -> list[str] | None:
    """Configure the demo OpenID provider, point the app at it (through ``env``) and return the
    command that runs it, or None when it is not wanted or cannot run."""
    node = shutil.which("node")
    if "SSO_PROVIDERS" in env or env.get("DEMO_IDP") == "0":
        return None
    if node is None or not (DEMO_IDP_DIR / "node_modules" / "oidc-provider").exists():
        print(
            "* no demo OpenID provider: it needs Node.js (make run installs it when npm is there)"
        )
        return None

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
    print(f"* demo OpenID provider (Demo IdP) on {issuer}")
    return [node, str(DEMO_IDP_DIR / "provider.mjs"), str(work / "provider.json")]


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

    supervisor = Supervisor(env, ROOT)
    idp = demo_idp_command(env, host, int(env.get("DEMO_IDP_PORT") or int(port) + 1))
    if idp is not None:
        log = ROOT / "instance" / "demo-idp" / "provider.log"
        supervisor.add("demo OpenID provider", idp, log=log, cwd=DEMO_IDP_DIR)

    def keep_redis_up() -> None:
        if redis is not None and redis.process is not None and redis.process.poll() is not None:
            print("* the embedded Redis exited; starting it again", file=sys.stderr)
            redis.start()

    def stop(grace: float) -> None:
        supervisor.stop(grace)
        if redis is not None:  # last, in its own session: the workers stop first
            redis.stop()

    try:
        print("* migrating the database and loading the demo data")
        _run([str(BIN / "flask"), "db", "upgrade"], env)
        _run([str(BIN / "flask"), "seed-demo"], env)
        url = env["REDIS_URL"]
        supervisor.add(
            "worker",
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
        )
        supervisor.add("scheduler", [sys.executable, "-m", "jobs.scheduler", "-u", url])
        supervisor.add("web server", [str(BIN / "flask"), "run", "--host", host, "--port", port])
        print(
            f"\n  Mission Teams is running at {env['BASE_URL']}  (Ctrl-C stops everything)\n",
            flush=True,
        )
        signal.signal(signal.SIGTERM, _interrupt)
        supervisor.run(also=keep_redis_up)  # restarts what exits, until Ctrl-C or SIGTERM
        return 0
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
