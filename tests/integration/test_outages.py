"""Honest 503s: a database that does not answer (or cannot write) and a Redis a page cannot do
without give 503 with Retry-After, as a page that needs no database or the API's `unavailable`
JSON; real bugs stay 500s. /readyz proves the database takes a write and Redis answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import text

from teams_app.extensions import db
from tests.conftest import _free_port, csrf_from, login, make_app


@pytest.fixture
def database_down(app, service_urls, smtp_server, client, staff):
    """The same app, configured for a PostgreSQL nobody answers at, with staff's session."""
    login(client, staff)
    token = csrf_from(client, "/account/")  # a form the person loaded before the outage
    urls = {**service_urls, "db": f"postgresql://root@127.0.0.1:{_free_port()}/gone"}
    broken = make_app(urls, smtp_server[0].port)
    other = broken.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    other.csrf_token = token
    return other


@pytest.mark.parametrize("path", ["/", "/teams/", "/people/"])
def test_pages_answer_503_without_touching_the_database(database_down, path):
    response = database_down.get(path)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert "We'll be right back" in body and "try again" in body.lower()
    assert "Sign out" not in body  # no current-user lookup: the page has no account menu
    assert "OperationalError" not in body


def test_a_write_during_the_outage_says_it_was_not_saved(database_down):
    data = {"name": "Outage Team", "csrf_token": database_down.csrf_token}
    response = database_down.post("/teams/new", data=data)
    assert response.status_code == 503
    assert "was not saved" in response.get_data(as_text=True)


def test_an_error_page_during_the_outage_is_the_outage_page(database_down):
    response = database_down.post("/teams/new", data={"name": "no CSRF token"})
    assert response.status_code == 503  # the 400 page would need the account menu


def test_the_api_answers_503_unavailable(database_down):
    response = database_down.get("/api/v1/me", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    error = response.get_json()["error"]
    assert error["status"] == 503 and error["code"] == "unavailable"
    assert "try again" in error["message"].lower()


def test_readyz_and_healthz_fail_without_the_database(database_down):
    response = database_down.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == {"ok": False, "status": "unavailable"}
    assert "Error" not in response.get_data(as_text=True)
    assert database_down.get("/healthz").status_code == 503


def test_a_read_only_sqlite_database_refuses_writes_with_503(
    app, service_urls, smtp_server, client, staff, tmp_path
):
    if not service_urls["db"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL read-only mode is covered by its SQLSTATE")
    login(client, staff)
    path = service_urls["db"].removeprefix("sqlite:///")
    readonly = make_app(
        {**service_urls, "db": f"sqlite:///file:{path}?mode=ro&uri=true"}, smtp_server[0].port
    )
    token = csrf_from(client, "/account/")
    other = readonly.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert other.get("/people/").status_code == 200  # reads still work
    response = other.post("/account/tokens", data={"name": "laptop", "csrf_token": token})
    assert response.status_code == 503
    assert other.get("/readyz").status_code == 503


def test_a_real_bug_is_still_a_500(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_bug")
    def bug():
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    response = client.get("/_bug")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/_needs_redis", "/api/v1/_needs_redis"])
def test_a_page_that_cannot_do_without_redis_answers_503(app, client, path):
    @app.get(path)
    def needs_redis():
        raise RedisConnectionError("Connection refused")

    response = client.get(path)
    assert response.status_code == 503 and response.headers["Retry-After"]
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "unavailable"


def test_readyz_writes_a_heartbeat_and_reports_each_part(app, client):
    from teams_app.models import Heartbeat

    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "database": {"ok": True, "status": "ok"},
        "redis": {"ok": True, "status": "ok"},
    }
    db.session.expire_all()
    assert db.session.get(Heartbeat, "readyz") is not None


def test_readyz_is_503_when_redis_is_down_and_names_no_exception(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_free_port()}/0"
    app.extensions.pop("redis", None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == {"ok": False, "status": "unavailable"}
    assert "ConnectionError" not in response.get_data(as_text=True)


def test_readyz_says_draining_while_the_drain_file_exists(app, client, tmp_path):
    flag = Path(tmp_path / "drain")
    app.config["DRAIN_FILE"] = str(flag)
    assert client.get("/readyz").status_code == 200
    flag.touch()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["status"] == "draining"
    assert client.get("/healthz").status_code == 200  # still serving: only taking no new load
    flag.unlink()
    assert client.get("/readyz").status_code == 200


def test_readyz_fails_when_the_sqlite_disk_is_nearly_full(app, client, service_urls):
    if not service_urls["db"].startswith("sqlite"):
        pytest.skip("the free-space check is for SQLite's own disk")
    app.config["DISK_MIN_FREE_BYTES"] = 10**18
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == {"ok": False, "status": "disk full"}


@pytest.mark.parametrize(
    "state, outage",
    [("08006", True), ("53100", True), ("57P01", True), ("25006", True)]
    + [("42P01", False), ("23505", False), ("22001", False)],
)
def test_postgresql_errors_are_outages_only_for_unavailability_codes(state, outage):
    from sqlalchemy.exc import OperationalError

    from teams_app.outages import database_outage

    class PgError(Exception):
        sqlstate = state

    assert database_outage(OperationalError("SELECT 1", {}, PgError("x"))) is outage
