"""Shared fixtures: a real database (SQLite file, or PostgreSQL via DATABASE_URL), a real Redis
(embedded, or a server via REDIS_URL), a real SMTP listener (aiosmtpd on loopback) and real RQ
workers. Each test starts from empty tables and an empty Redis database."""

from __future__ import annotations

import contextvars
import itertools
import os
import re
import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import text

from teams_app import create_app
from teams_app.embedded_redis import EmbeddedRedis
from teams_app.extensions import db
from teams_app.initiatives.pipeline import DEFAULT_PIPELINE
from teams_app.models import Stage
from teams_app.queue import redis_connection
from tests import factories
from tests.oidc.fixtures import idp, idp_server, slow_idp, sso_overrides  # noqa: F401

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- Services -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def service_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    base = tmp_path_factory.mktemp("svc")
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{base / 'test.db'}"
    redis_url = os.environ.get("REDIS_URL")
    embedded = None
    if not redis_url:
        embedded = EmbeddedRedis(base / "redis", persist=False)
        redis_url = embedded.start()
    yield {"db": db_url, "redis": redis_url, "dir": str(base)}
    if embedded is not None:
        embedded.stop()


class Mailbox:
    """Messages received by the loopback SMTP listener, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # as received, before parsing
        self.refuse = 0  # refuse this many messages with a temporary failure first
        self.accept_only: int | None = None  # once this many are in, refuse the rest

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse > 0:
            self.refuse -= 1
            return "451 Try again later"
        if self.accept_only is not None and len(self.messages) >= self.accept_only:
            return "451 Try again later"
        self.raw.append(envelope.content)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def link_in(self, msg: EmailMessage, pattern: str = r"https?://\S+") -> str:
        body = msg.get_body(preferencelist=("plain",))
        assert body is not None
        found = re.search(pattern, body.get_content())
        assert found, f"no link in mail {msg['Subject']!r}"
        return found.group(0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Controller, Mailbox]) -> Mailbox:
    _, box = smtp_server
    box.messages.clear()
    box.raw.clear()
    box.refuse = 0
    box.accept_only = None
    return box


# --- The app ------------------------------------------------------------------------------------


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's own app context, as production does: a fresh ``g``
    (Flask-Login's cached user, the CSRF token) and a fresh database session per request."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Buffered: a streamed body (the CSV export) is read inside the request's own context,
        # as a WSGI server would, not later from the test's.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(service_urls: dict[str, str], smtp_port: int, **overrides: Any) -> Flask:
    env = {
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": service_urls["db"],
        "REDIS_URL": service_urls["redis"],
        "BASE_URL": "http://localhost",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "ALLOWED_EMAIL_DOMAINS": "library.example",
    }
    config = {
        "ENV_OVERRIDES": env,
        "MAIL_FILE_DIR": str(Path(service_urls["dir"]) / "mail"),
        "SERVER_NAME": None,
        **overrides,
    }
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def migrated(service_urls: dict[str, str], smtp_server: tuple[Controller, Mailbox]) -> None:
    """Build the schema once per run with the real migrations, from an empty database."""
    from flask_migrate import upgrade

    app = make_app(service_urls, smtp_server[0].port)
    with app.app_context():
        reset_database()
        upgrade()
        close_connections(app)


def reset_database() -> None:
    """Drop everything, including alembic_version, so the upgrade starts from empty."""
    engine = db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def close_connections(app: Flask) -> None:
    """Each test builds its own app: close its pools so no connection outlives it."""
    db.session.remove()
    for engine in db.engines.values():
        engine.dispose()
    client = app.extensions.pop("redis", None)
    if client is not None:
        client.close()


def empty_tables() -> None:
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        # The stage pipeline is reference data a migration creates: put it back.
        conn.execute(
            Stage.__table__.insert(),
            [
                {"name": name, "name_key": name.lower(), "position": i + 1, "kind": kind}
                for i, (name, kind) in enumerate(DEFAULT_PIPELINE)
            ],
        )


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Config for every app a module builds (single sign-on tests override this fixture)."""
    return {}


@pytest.fixture
def app(
    migrated: None,
    service_urls: dict[str, str],
    smtp_server: tuple[Controller, Mailbox],
    request: pytest.FixtureRequest,
    app_overrides: dict[str, Any],
) -> Iterator[Flask]:
    overrides = {**app_overrides, **(getattr(request, "param", {}) or {})}
    app = make_app(service_urls, smtp_server[0].port, **overrides)
    redis = Redis.from_url(service_urls["redis"])
    redis.flushdb()
    with app.app_context():
        yield app
        empty_tables()
        close_connections(app)
    redis.flushdb()
    redis.close()


@pytest.fixture
def other_app(
    service_urls: dict[str, str], smtp_server: tuple[Controller, Mailbox]
) -> Iterator[Callable[..., Flask]]:
    """Make more apps on the same database and Redis (production mode, a second process);
    their connections are closed after the test, so none is left for the garbage collector."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        made.append(make_app(service_urls, smtp_server[0].port, **overrides))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            close_connections(other)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Unlike pytest-flask's, not entered with ``with``: no request context outlives a request."""
    return app.test_client()


@pytest.fixture
def run_jobs(app: Flask) -> Callable[[], int]:
    """Run every queued job on a real RQ worker (burst mode); returns how many jobs failed."""
    from rq import Queue
    from rq.registry import FailedJobRegistry

    from jobs.worker import AppSimpleWorker

    def run() -> int:
        conn = redis_connection(app)
        worker = AppSimpleWorker(app.config["RQ_QUEUES"], connection=conn, app=app)
        worker.work(burst=True, logging_level="WARNING")
        db.session.expire_all()
        return sum(
            len(FailedJobRegistry(queue=Queue(q, connection=conn))) for q in app.config["RQ_QUEUES"]
        )

    return run


# --- People -------------------------------------------------------------------------------------


@pytest.fixture
def staff(app: Flask) -> Any:
    return factories.UserFactory(role="staff", name="Sam Staff")


@pytest.fixture
def leader(app: Flask) -> Any:
    return factories.UserFactory(role="leadership", name="Lee Leader", level="executive")


@pytest.fixture
def admin(app: Flask) -> Any:
    return factories.UserFactory(role="admin", name="Ada Admin", level="manager")


@pytest.fixture
def member(app: Flask) -> Any:
    """A plain member of the Desk Team (``team``)."""
    return factories.UserFactory(name="Mo Member")


@pytest.fixture
def colleague(app: Flask) -> Any:
    """Another staff member, who cheers and reads what Sam Staff shares."""
    return factories.UserFactory(name="Cara Colleague")


# --- Teams --------------------------------------------------------------------------------------
# One ``team`` for every test that needs "a team": a file that needs another kind of team names
# its own fixture after what differs (``team_of_three``, ``lenas_team``, ...).


@pytest.fixture
def team(staff: Any, member: Any) -> Any:
    """The Desk Team, active: Sam Staff leads it, Mo Member is a plain member."""
    return factories.make_team(staff, name="Desk Team", members=(member,))


def csrf_from(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    found = CSRF_RE.search(html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: FlaskClient, user: Any, password: str = factories.PASSWORD) -> Any:
    token = csrf_from(client, "/auth/login")
    response = client.post(
        "/auth/login", data={"email": user.email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[Any], FlaskClient]:
    def do(user: Any) -> FlaskClient:
        login(client, user)
        return client

    return do


def post_form(
    client: FlaskClient,
    path: str,
    data: dict[str, Any] | None = None,
    *,
    token_from: str = "/account/",
    **kw: Any,
) -> Any:
    """POST like a browser: with the CSRF token a real page rendered for this session."""
    payload = {"csrf_token": csrf_from(client, token_from), **(data or {})}
    return client.post(path, data=payload, **kw)


class ApiClient:
    """Calls the API with a bearer token, like an integration would."""

    def __init__(self, client: FlaskClient, secret: str | None) -> None:
        self.client = client
        self.secret = secret

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(
            "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(
            "/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(
            "/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(
            "/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(
            "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )


@pytest.fixture
def api_as(client: FlaskClient) -> Callable[[Any], ApiClient]:
    from teams_app.account.services import create_token

    names = itertools.count(1)

    def make(user: Any) -> ApiClient:
        if user is None:
            return ApiClient(client, None)
        _, secret = create_token(user, f"test token {next(names)}")
        return ApiClient(client, secret)

    return make


class QueryCounter:
    """Counts SQL statements the app runs (its own requests included) while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[Callable[[], Any]], int]:
    from sqlalchemy import event

    def run(action: Callable[[], Any]) -> int:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            action()
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return counter.count

    return run


def queued(queue: str = "mail") -> list[tuple[str, tuple[Any, ...], Any]]:
    """What waits on an RQ queue, as (func, args, rq job): each RQ job runs an outbox row."""
    from teams_app.models import OutboxJob
    from teams_app.queue import get_queue

    out = []
    for job in get_queue(queue).get_jobs():
        assert job.func_name == "jobs.outbox.run"
        row = db.session.get(OutboxJob, job.args[0])
        assert row is not None
        out.append((row.func, tuple(row.args), job))
    return out
