"""The flask CLI: users, departments, tokens, seed-demo."""

from __future__ import annotations

from teams_app.extensions import db
from teams_app.models import (
    Activity,
    ApiToken,
    Department,
    Initiative,
    StageChange,
    Team,
    User,
    UserIdentity,
    utcnow,
)
from tests.conftest import ApiClient


def test_users_create_makes_the_department_when_new(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Kim@Library.Example",
            "--name",
            "Kim Lee",
            "--role",
            "leadership",
            "--level",
            "manager",
            "--department",
            "Noble",
            "--password",
            "seven silver spoons",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(email="kim@library.example").one()
    assert user.role == "leadership" and user.department.name == "Noble"
    assert user.department.kind == "branch"
    again = runner.invoke(
        args=[
            "users",
            "create",
            "kim@library.example",
            "--name",
            "K",
            "--password",
            "seven silver spoons",
        ]
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_users_create_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "a@library.example", "--name", "A", "--password", "password1234"]
    )
    assert result.exit_code != 0
    assert db.session.query(User).count() == 0


def test_departments_create(app):
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["departments", "create", "IT", "--kind", "department"]).exit_code == 0
    )
    assert db.session.query(Department).filter_by(name="IT").one().kind == "department"
    assert runner.invoke(args=["departments", "create", "it"]).exit_code != 0


def test_tokens_create_prints_the_secret_alone_and_revoke_stops_it(app, client, staff):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", staff.email, "--name", "cron"])
    assert result.exit_code == 0
    secret = result.output.strip()
    assert "\n" not in secret and secret.startswith("mt_")
    assert ApiClient(client, secret).get("/me").status_code == 200
    revoked = runner.invoke(args=["tokens", "revoke", staff.email, "--name", "cron"])
    assert revoked.exit_code == 0
    assert ApiClient(client, secret).get("/me").status_code == 401
    assert db.session.query(ApiToken).one().revoked_at is not None
    missing = runner.invoke(args=["tokens", "revoke", staff.email, "--name", "cron"])
    assert missing.exit_code != 0


def test_seed_demo_is_idempotent_and_covers_every_level(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "avery.admin@pioneer.example" in first.output and "password:" in first.output
    people = db.session.query(User).count()
    departments = db.session.query(Department).count()
    assert people >= 40 and departments >= 12
    assert {u.level for u in db.session.query(User)} == {
        "frontline",
        "specialist",
        "supervisor",
        "manager",
        "executive",
    }
    assert db.session.query(User).filter_by(role="admin").count() == 1
    assert db.session.query(User).filter_by(role="leadership").count() == 2
    teams = db.session.query(Team).all()
    assert {t.status for t in teams} == {"active", "proposed", "declined", "closed"}
    assert any(m.state == "requested" for t in teams for m in t.memberships)
    assert db.session.query(Activity).filter(Activity.team_id.is_not(None)).count() > 20
    initiatives = db.session.query(Initiative).all()
    assert {i.health for i in initiatives} == {"on_track", "at_risk", "off_track"}
    assert {i.stage.kind for i in initiatives} == {"open", "done", "stopped"}
    assert any(i.update_due_at < utcnow() for i in initiatives if i.stage.kind == "open")
    assert db.session.query(StageChange).filter(StageChange.note.is_not(None)).count() >= 2
    assert db.session.query(UserIdentity).count() == 3  # linked to the demo's OpenID provider
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert db.session.query(User).count() == people
    assert db.session.query(Department).count() == departments
    assert db.session.query(Team).count() == len(teams)
    assert db.session.query(UserIdentity).count() == 3


def test_the_demo_provider_knows_every_demo_person_by_their_address(app):
    from teams_app.demo import demo_idp_accounts

    app.test_cli_runner().invoke(args=["seed-demo"])
    accounts = demo_idp_accounts()
    for user in db.session.query(User):
        [account] = [a for a in accounts.values() if a["email"] == user.email]
        expected = {"admin": ["mt-admins"], "leadership": ["mt-leadership"]}.get(user.role, [])
        assert account["groups"] == expected
    assert db.session.query(User).filter_by(email="jamie.newhire@pioneer.example").count() == 0


def test_users_create_refuses_a_blank_name(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "a@library.example",
            "--name",
            "  ",
            "--password",
            "seven silver spoons",
        ]
    )
    assert result.exit_code != 0
    assert "Enter a name" in result.output
    assert db.session.query(User).count() == 0


def test_seed_demo_refuses_in_production_unless_forced(service_urls, other_app):
    from tests.conftest import TEST_SECRET

    env = {"APP_ENV": "production", "SECRET_KEY": TEST_SECRET, "DATABASE_URL": service_urls["db"]}
    prod = other_app(ENV_OVERRIDES=env)
    refused = prod.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code != 0
    assert "Refusing to load the demo in production" in refused.output
    assert "--force" in refused.output
    with prod.app_context():
        assert db.session.query(User).count() == 0
