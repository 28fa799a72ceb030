"""SQLite on a tiny filesystem that fills up: writes answer 503 (saying nothing was saved),
reads still work, /readyz says 503, and writes work again once space is freed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.faults.conftest import PASSWORD, build_world
from tests.faults.services import app_env, free_port, gunicorn
from tests.faults.traffic import Browser

pytestmark = pytest.mark.faults


@pytest.fixture
def tiny_disk(tmp_path: Path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tiny tmpfs here (needs root): {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    # Unbuffered: a buffered file would try to flush its unwritten tail again on close, and
    # raise there, outside the loop, when the disk is full.
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def test_sqlite_on_a_full_disk_answers_503_then_recovers(tiny_disk, redis_server, smtp, logs):
    url = f"sqlite:///{tiny_disk / 'mission_teams.db'}"
    world = build_world(url, redis_server.url, smtp.port, admins=0, staff=1)
    port = free_port()
    web = gunicorn(app_env(url, redis_server.url, smtp.port), port, logs, workers=2)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.sign_in(world.staff[0], PASSWORD)
        assert browser.post("/account/tokens", {"name": "before"}).status == 200
        assert browser.get("/readyz").status == 200

        filler = fill(tiny_disk)
        refused = browser.post("/account/tokens", {"name": "while full"})
        assert refused.status == 503 and refused.headers.get("Retry-After")
        assert "was not saved" in refused.body
        assert browser.get("/teams/").status == 200  # reading needs no space
        ready = browser.get("/readyz")
        assert ready.status == 503 and '"ok":false' in ready.body.replace(" ", "")
        assert "Error" not in ready.body

        filler.unlink()
        assert browser.post("/account/tokens", {"name": "after"}).status == 200
        assert browser.get("/readyz").status == 200
        names = browser.get("/account/").body
        assert "before" in names and "after" in names and "while full" not in names
    finally:
        web.stop()
