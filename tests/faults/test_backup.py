"""Backups as docs/operations.md gives them: `flask backup` on a populated database while the app
serves it, restored into a fresh database (a file copy for SQLite, pg_restore for PostgreSQL),
where every row of every table is equal, and the app serves from the restored copy."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import threading

import pytest
from sqlalchemy import MetaData, create_engine, select

from tests.faults.services import BIN, PG_BIN, ROOT, app_env, free_port, gunicorn
from tests.faults.traffic import Browser

pytestmark = pytest.mark.faults
_names = itertools.count(1)
ADMIN = ("avery.admin@pioneer.example", "admin demo passphrase")


def populate(url: str, redis_url: str, smtp_port: int) -> None:
    """Migrate and load the demo library system (every feature's tables get rows)."""
    from flask_migrate import upgrade

    from teams_app import create_app
    from teams_app.demo import seed
    from teams_app.extensions import db

    app = create_app({"ENV_OVERRIDES": app_env(url, redis_url, smtp_port, APP_ENV="test")})
    with app.app_context():
        upgrade()
        seed()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def every_row(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    metadata = MetaData()
    metadata.reflect(engine)
    tables: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            tables[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    engine.dispose()
    return tables


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_backup_restore_round_trip_keeps_every_row_and_serves(
    kind, pg, redis_server, smtp, logs, started, tmp_path
):
    if kind == "sqlite":
        live = f"sqlite:///{tmp_path / 'live.db'}"
        dump = tmp_path / "backup.db"
    else:
        live = pg.create_database(f"backup_live_{next(_names)}")
        dump = tmp_path / "backup.dump"
    populate(live, redis_server.url, smtp.port)
    env = app_env(live, redis_server.url, smtp.port)
    port = free_port()
    started.append(gunicorn(env, port, logs, name="live", workers=2))
    visitor = Browser(f"http://127.0.0.1:{port}")
    visitor.sign_in(*ADMIN)
    stop = threading.Event()

    def browse() -> None:  # the app keeps serving (and signing people in) during the backup
        while not stop.is_set():
            visitor.get("/teams/")

    reader = threading.Thread(target=browse)
    reader.start()
    try:
        command = [str(BIN / "flask"), "--app", "wsgi", "backup", str(dump)]
        if kind == "postgresql":
            command += ["--pg-dump", str(PG_BIN / "pg_dump")]
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    finally:
        stop.set()
        reader.join()
    assert done.returncode == 0, done.stderr
    assert "Backed up" in done.stdout and dump.stat().st_size > 10_000
    assert all(a.status == 200 for a in visitor.answers)

    if kind == "sqlite":
        restored = f"sqlite:///{tmp_path / 'restored.db'}"
        shutil.copyfile(dump, tmp_path / "restored.db")
    else:
        restored = pg.create_database(f"backup_restored_{next(_names)}")
        subprocess.run(
            [
                str(PG_BIN / "pg_restore"),
                "--no-owner",
                "--exit-on-error",
                "-d",
                restored,
                str(dump),
            ],
            check=True,
            capture_output=True,
        )
    original, copy = every_row(live), every_row(restored)
    assert set(copy) == set(original) and "alembic_version" in copy
    filled = {"users", "teams", "memberships", "initiatives", "barriers", "actions"}
    filled |= {"impact_stories", "satisfaction_results", "activities", "outbox_jobs"}
    assert all(original[name] for name in filled), "the demo should fill every feature's tables"
    for table, rows in original.items():
        assert copy[table] == rows, f"{table} differs after the restore"

    port = free_port()
    started.append(gunicorn(app_env(restored, redis_server.url, smtp.port), port, logs, "copy", 2))
    browser = Browser(f"http://127.0.0.1:{port}")
    browser.sign_in(*ADMIN)
    for path in ["/", "/teams/", "/barriers/", "/portfolio/", "/admin/operations"]:
        assert browser.get(path).status == 200, path
    assert (
        "Saturday" in browser.get("/teams/").body or browser.get("/teams/").body.count("card") > 3
    )
