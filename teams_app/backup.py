"""``flask backup PATH``: a consistent copy of the database while the app keeps running.

SQLite uses its online backup API (readers and writers carry on; the copy is one snapshot);
PostgreSQL uses ``pg_dump -Fc`` (one snapshot transaction). Restoring is in docs/operations.md.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from teams_app.extensions import db


class BackupError(RuntimeError):
    pass


def backup(dest: Path, pg_dump: str | None = None) -> str:
    """Write the backup to ``dest`` (atomically: a partial copy never has the final name)."""
    url = db.engine.url
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    backend = url.get_backend_name()
    if backend == "sqlite":
        _sqlite_backup(url, partial)
    elif backend == "postgresql":
        _pg_dump(url, partial, pg_dump)
    else:
        raise BackupError(f"no backup method for {backend} databases")
    os.replace(partial, dest)
    return f"Backed up the {backend} database to {dest} ({dest.stat().st_size:,} bytes)."


def _sqlite_backup(url: URL, partial: Path) -> None:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(partial)
    try:
        # Copies in steps, so writers are never blocked for long; a write made meanwhile
        # restarts the copy, so the result is always one consistent snapshot.
        source.backup(target, pages=1024)
        check = target.execute("PRAGMA integrity_check").fetchone()
        if check is None or check[0] != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")
    finally:
        target.close()
        source.close()


def _pg_dump(url: URL, partial: Path, pg_dump: str | None) -> None:
    program = pg_dump or shutil.which("pg_dump")
    if program is None:
        raise BackupError("pg_dump is not on PATH (Debian: apt-get install postgresql-client)")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not in the argument list, where ps shows it
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run(
        [program, "--format=custom", "--no-owner", "--file", str(partial), "--dbname", libpq],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
