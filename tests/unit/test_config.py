"""Settings come from the environment; production refuses to start without a secret."""

from __future__ import annotations

import pytest

from teams_app.config import ConfigError, load_config


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_config(str(tmp_path), {"APP_ENV": "production", "DATABASE_URL": "sqlite://"})


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="at least 32"):
        load_config(str(tmp_path), {"APP_ENV": "production", "SECRET_KEY": "short"})


def test_production_sets_secure_cookies(tmp_path):
    config = load_config(
        str(tmp_path),
        {"APP_ENV": "production", "SECRET_KEY": "s" * 40, "REDIS_URL": "redis://r:6379/0"},
    )
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"


def test_development_generates_a_secret_once_and_keeps_it(tmp_path):
    first = load_config(str(tmp_path), {})["SECRET_KEY"]
    second = load_config(str(tmp_path), {})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_embedded_defaults(tmp_path):
    config = load_config(str(tmp_path), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'mission_teams.db'}"
    assert config["REDIS_URL"] == f"unix://{tmp_path / 'redis.sock'}"
    assert config["MAIL_SERVER"] == "" and config["ALLOWED_EMAIL_DOMAINS"] == []


def test_postgres_urls_use_psycopg3(tmp_path):
    config = load_config(str(tmp_path), {"DATABASE_URL": "postgres://u@h/db"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_allowed_domains_are_parsed(tmp_path):
    config = load_config(str(tmp_path), {"ALLOWED_EMAIL_DOMAINS": " Library.Example , other.org,"})
    assert config["ALLOWED_EMAIL_DOMAINS"] == ["library.example", "other.org"]


def test_unknown_app_env_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_config(str(tmp_path), {"APP_ENV": "staging"})


def test_unix_socket_redis_is_spelled_for_the_limiter(tmp_path):
    from teams_app.config import redis_url_for_limiter

    assert redis_url_for_limiter("unix:///x/redis.sock") == "redis+unix:///x/redis.sock"


def test_trusted_proxies_default_to_none(tmp_path):
    assert load_config(str(tmp_path), {})["TRUSTED_PROXIES"] == 0
    assert load_config(str(tmp_path), {"TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2


@pytest.mark.parametrize("value", ["-1", "one"])
def test_trusted_proxies_must_be_a_count(tmp_path, value):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config(str(tmp_path), {"TRUSTED_PROXIES": value})


def test_request_bodies_are_capped_at_one_megabyte(tmp_path):
    assert load_config(str(tmp_path), {})["MAX_CONTENT_LENGTH"] == 1024 * 1024
