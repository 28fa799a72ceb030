"""Settings, read from the environment inside the app factory (never at import time).

Defaults are embedded so one command runs everything on a fresh machine: a SQLite file and an
embedded Redis socket under ``instance/``, and mail written to ``instance/mail/``. Production
(``APP_ENV=production``) refuses to start without ``SECRET_KEY`` and sets secure cookies.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from teams_app.auth.session_limits import session_config

ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    """Raised when the environment cannot make a safe configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance_path: Path) -> str:
    """Generate a development secret once, kept under instance/ so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _count(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    """A whole number >= ``minimum`` from the environment; anything else refuses to start."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ConfigError(f"{name} must be a whole number of {minimum} or more, not {raw!r}")
    return value


def _intervals(env: dict[str, str], name: str, default: list[int]) -> list[int]:
    """Comma-separated whole seconds (``10,60,300``); empty means the default."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        values = [int(part) for part in raw.split(",")]
    except ValueError:
        values = [-1]
    if any(v < 0 for v in values):
        raise ConfigError(f"{name} must be whole seconds separated by commas, not {raw!r}")
    return values


def _engine_options(database_url: str, env: dict[str, str]) -> dict[str, Any]:
    """Check connections before use (a database that came back is used at once) and give up
    connecting quickly, so an outage answers 503 within a second or two, not a minute."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": _count(env, "DATABASE_CONNECT_TIMEOUT", 2)}
    return options


def redis_url_for_limiter(redis_url: str) -> str:
    """The limits library spells a unix socket ``redis+unix://``."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def load_config(instance_path: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from ``env`` (defaults to ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    app_env = env.get("APP_ENV", "development").strip().lower()
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {app_env!r}")
    production = app_env == "production"

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        secret_key = _dev_secret_key(instance)
    elif production and len(secret_key) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters in production")

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'mission_teams.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    redis_url = env.get("REDIS_URL") or f"unix://{instance / 'redis.sock'}"
    from teams_app.sso.config import providers_from_env  # noqa: PLC0415 - cycle: sso.config imports config

    domains = [d.strip().lower() for d in env.get("ALLOWED_EMAIL_DOMAINS", "").split(",")]

    return {
        "APP_ENV": app_env,
        "DEBUG": False,
        "TESTING": app_env == "test",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url, env),
        # How many proxies (load balancers) sit in front of the app and set X-Forwarded-*.
        "TRUSTED_PROXIES": _count(env, "TRUSTED_PROXIES", 0),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "REDIS_URL": redis_url,
        "RQ_QUEUES": ["default", "mail"],
        # How long portfolio and register figures stay in Redis (seconds; 0: not cached).
        "CACHE_TTL_SECONDS": _count(env, "CACHE_TTL_SECONDS", 60),
        "CACHE_KEY_PREFIX": "mission_teams:figures",
        # A digest claim older than this belongs to a worker that died; the next tick retries it.
        # Longer than the whole retry schedule below plus SMTP timeouts (each try renews it).
        "DIGEST_LEASE_SECONDS": _count(env, "DIGEST_LEASE_SECONDS", 1800),
        # Pauses between SMTP retries of a digest (seconds); the row fails after the last.
        "DIGEST_RETRY_INTERVALS": [30, 120, 600],
        # Pauses between SMTP retries of a mail job (seconds); the outbox row fails after the last.
        "MAIL_RETRY_INTERVALS": _intervals(env, "MAIL_RETRY_INTERVALS", [10, 60, 300]),
        # A running outbox job older than this belongs to a worker that died: pushed again.
        "OUTBOX_LEASE_SECONDS": _count(env, "OUTBOX_LEASE_SECONDS", 900),
        # A pending row younger than this is still being pushed by the request that made it.
        "OUTBOX_SWEEP_GRACE_SECONDS": _count(env, "OUTBOX_SWEEP_GRACE_SECONDS", 10),
        # Done outbox rows and sent notice ledger rows are kept this long, then pruned.
        "OUTBOX_KEEP_DAYS": _count(env, "OUTBOX_KEEP_DAYS", 14),
        # While this file exists /readyz answers 503 "draining" (take the instance out first).
        "DRAIN_FILE": env.get("DRAIN_FILE", ""),
        # /readyz fails when a SQLite database's disk has less free space than this.
        "DISK_MIN_FREE_BYTES": _count(env, "DISK_MIN_FREE_BYTES", 1024 * 1024),
        # Seconds a 503 asks clients to wait before retrying.
        "RETRY_AFTER_SECONDS": _count(env, "RETRY_AFTER_SECONDS", 5),
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "ALLOWED_EMAIL_DOMAINS": [d for d in domains if d],
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Mission Teams <noreply@localhost>"),
        "MAIL_FILE_DIR": str(instance / "mail"),
        "INVITE_MAX_AGE": int(env.get("INVITE_MAX_AGE", str(7 * 24 * 3600))),
        "RESET_MAX_AGE": int(env.get("RESET_MAX_AGE", "3600")),
        # Survey reports and closing leave out any group with fewer respondents than this.
        "SURVEY_MIN_GROUP": _count(env, "SURVEY_MIN_GROUP", 5, minimum=1),
        # Public survey answers: per client address, and the least time a person takes.
        "SURVEY_PUBLIC_LIMIT": env.get("SURVEY_PUBLIC_LIMIT", "30 per minute"),
        "SURVEY_MIN_FILL_SECONDS": _count(env, "SURVEY_MIN_FILL_SECONDS", 3, minimum=0),
        # Production cookies carry the __Host- prefix: Secure, Path=/ and no Domain, so no
        # other host (a sibling subdomain included) can set or overwrite them.
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "__Host-remember_token" if production else "remember_token",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Session limits (teams_app/auth/session.py): idle timeout, absolute lifetime, and the
        # absolute lifetime of a "keep me signed in" sign-in.
        **session_config(
            idle_minutes=_count(env, "SESSION_IDLE_MINUTES", 60, minimum=1),
            max_hours=_count(env, "SESSION_MAX_HOURS", 12, minimum=1),
            remember_days=_count(env, "REMEMBER_ME_DAYS", 14, minimum=1),
        ),
        # HSTS (production only): a year, subdomains included.
        "HSTS_MAX_AGE": _count(env, "HSTS_MAX_AGE", 365 * 24 * 3600) if production else 0,
        # Failed authentications allowed per client address and kind (sign-in, API token,
        # reset or invitation link) in AUTH_FAILURE_WINDOW seconds, before that address gets 429.
        "AUTH_FAILURES_PER_ADDRESS": _count(env, "AUTH_FAILURES_PER_ADDRESS", 20, minimum=1),
        "AUTH_FAILURE_WINDOW": _count(env, "AUTH_FAILURE_WINDOW", 600, minimum=1),
        "AUDIT_RETENTION_DAYS": _count(env, "AUDIT_RETENTION_DAYS", 400, minimum=1),
        # The organisation's own words, refused as passwords (security.CONTEXT_WORDS has ours).
        "PASSWORD_CONTEXT_WORDS": [
            w.strip() for w in env.get("PASSWORD_CONTEXT_WORDS", "").split(",") if w.strip()
        ],
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=app_env != "test"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI")
        or (
            redis_url_for_limiter(redis_url) if production or env.get("REDIS_URL") else "memory://"
        ),
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "API_TITLE": "Mission Teams API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "PER_PAGE": 25,
        # Single sign-on (teams_app/sso/config.py reads the SSO_<KEY>_* variables).
        "SSO_PROVIDERS": providers_from_env(env, production),
        "SSO_ATTEMPT_MAX_AGE": _count(env, "SSO_ATTEMPT_MAX_AGE", 600),
        "SSO_CLOCK_SKEW": _count(env, "SSO_CLOCK_SKEW", 60),
        "SSO_TIMEOUT": _count(env, "SSO_TIMEOUT", 10) or 10,
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    }
