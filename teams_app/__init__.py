"""Mission Teams: cross-level problem-solving teams. ``create_app`` is the only entry point."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from teams_app.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides what the environment says (tests use it)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    env = None
    if config and "ENV_OVERRIDES" in config:
        env = config.pop("ENV_OVERRIDES")
    app.config.from_mapping(load_config(app.instance_path, env))
    if config:
        app.config.from_mapping(config)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    register_proxy_fix(app)
    register_input_guard(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_proxy_fix(app: Flask) -> None:
    """Behind TRUSTED_PROXIES load balancers, take the client's address, scheme and host from
    their X-Forwarded-* headers (rate limits key on the address). Without proxies the headers
    are ignored: anyone could send them."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def register_input_guard(app: Flask) -> None:
    """Before the blueprints: URL rules take the bounded ``int`` converter when they are added."""
    from teams_app import input_guard, same_site

    input_guard.init_app(app)
    same_site.init_app(app)


def register_extensions(app: Flask) -> None:
    from teams_app import audit, cache, headers, queue, request_id
    from teams_app.auth.session import init_login
    from teams_app.extensions import csrf, db, limiter, migrate
    from teams_app.search import index as search_index
    from teams_app.sso import flow as sso_flow

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), include_object=search_index.include_object
    )
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    sso_flow.init_app(app)
    queue.init_app(app)
    cache.init_app(app)
    audit.init_app(app)
    headers.init_app(app)
    request_id.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)


def _sqlite_pragmas(app: Flask) -> None:
    """Foreign keys on, WAL and a busy timeout so the web app and a worker can share the file."""
    from sqlalchemy import event

    from teams_app.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    from teams_app import search
    from teams_app.account.routes import bp as account_bp
    from teams_app.admin.routes import bp as admin_bp
    from teams_app.api import init_api
    from teams_app.auth.routes import bp as auth_bp
    from teams_app.barriers.routes import bp as barriers_bp
    from teams_app.conversations import routes as conversations
    from teams_app.digests.routes import bp as digests_bp
    from teams_app.initiatives.routes import bp as initiatives_bp
    from teams_app.main.routes import bp as main_bp
    from teams_app.notifications import routes as notifications
    from teams_app.people.routes import bp as people_bp
    from teams_app.portfolio.routes import bp as portfolio_bp
    from teams_app.satisfaction.routes import bp as satisfaction_bp
    from teams_app.sso.routes import bp as sso_bp
    from teams_app.stories.routes import bp as stories_bp
    from teams_app.surveys.public import bp as public_surveys_bp
    from teams_app.surveys.results_routes import bp as survey_results_bp
    from teams_app.surveys.routes import bp as surveys_bp
    from teams_app.surveys.triage_views import register as register_triage
    from teams_app.teams.routes import bp as teams_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(teams_bp)
    app.register_blueprint(initiatives_bp)
    app.register_blueprint(barriers_bp)
    app.register_blueprint(stories_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(survey_results_bp)
    app.register_blueprint(public_surveys_bp)
    register_triage(app)
    app.register_blueprint(digests_bp)
    app.register_blueprint(portfolio_bp)
    app.register_blueprint(satisfaction_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(conversations.bp)
    conversations.init_app(app)
    app.register_blueprint(notifications.bp)
    notifications.init_app(app)
    from teams_app.notifications import changes

    changes.init_app(app)
    search.init_app(app)
    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    from teams_app.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from teams_app.cli import register_cli

    register_cli(app)


def register_template_helpers(app: Flask) -> None:
    from teams_app import templating
    from teams_app.permissions import register_template_helpers as register_can
    from teams_app.surveys import i18n

    register_can(app)
    templating.init_app(app)
    i18n.init_app(app)
