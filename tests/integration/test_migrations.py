"""Migrations: one head, upgrade from empty and back down, and the models match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from teams_app.extensions import db
from teams_app.search.index import include_object


def _script(app) -> ScriptDirectory:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def test_there_is_exactly_one_head(app):
    assert len(_script(app).get_heads()) == 1


def test_every_migration_has_a_message(app):
    for revision in _script(app).walk_revisions():
        assert revision.doc and revision.doc.strip(), revision.revision


def test_downgrade_to_empty_and_upgrade_again(app):
    db.session.remove()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert {"users", "departments", "api_tokens", "activities"} <= set(
        inspect(db.engine).get_table_names()
    )


def test_models_match_the_migrations(app):
    db.session.remove()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff
