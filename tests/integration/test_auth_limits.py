"""Failed-authentication limits per client address (API tokens, sign-in, reset and invitation
links), on top of the per-account ones, held in Redis so every web process counts together."""

from __future__ import annotations

import pytest
from redis import Redis

from teams_app.extensions import db
from teams_app.models import AuditEvent
from tests.conftest import csrf_from
from tests.factories import PASSWORD

LIMITED = {"RATELIMIT_ENABLED": True, "AUTH_FAILURES_PER_ADDRESS": 5}
limited = pytest.mark.parametrize("app", [LIMITED], indirect=True)


def _from(address: str) -> dict:
    return {"REMOTE_ADDR": address}


def _guess_token(client, n: int, address: str = "198.51.100.7"):
    return client.get(
        "/api/v1/me",
        headers={"Authorization": f"Bearer mt_guess{n:04d}"},
        environ_base=_from(address),
    )


@limited
def test_guessing_api_tokens_meets_a_429_after_the_budget(client, app):
    statuses = [_guess_token(client, n).status_code for n in range(8)]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3
    blocked = _guess_token(client, 99)
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    assert _guess_token(client, 100, address="198.51.100.8").status_code == 401  # another client


@limited
def test_a_blocked_address_is_refused_even_with_a_valid_token(client, app, api_as, staff):
    for n in range(5):
        _guess_token(client, n)
    valid = api_as(staff)
    response = client.get(
        "/api/v1/me", headers=valid._headers(), environ_base=_from("198.51.100.7")
    )
    assert response.status_code == 429
    assert client.get("/api/v1/me", headers=valid._headers()).status_code == 200  # elsewhere


@limited
def test_the_count_is_held_in_redis_so_every_process_sees_it(client, app, service_urls, other_app):
    for n in range(5):
        _guess_token(client, n)
    redis = Redis.from_url(service_urls["redis"])
    assert any(b"auth-failures" in key for key in redis.keys("*"))
    redis.close()
    # A second process: a new app with its own limiter storage connection, same Redis.
    other = other_app(**LIMITED)
    response = other.test_client().get(
        "/api/v1/me",
        headers={"Authorization": "Bearer mt_other"},
        environ_base=_from("198.51.100.7"),
    )
    assert response.status_code == 429


@limited
def test_lock_out_and_each_failure_are_in_the_audit_log(client, app):
    for n in range(7):
        _guess_token(client, n)
    failed = db.session.query(AuditEvent).filter_by(event="auth.token_failed").all()
    assert len(failed) == 5 and all(e.ip == "198.51.100.7" for e in failed)
    assert failed[0].detail["token_prefix"] == "mt_guess"
    [locked] = db.session.query(AuditEvent).filter_by(event="auth.locked_out").all()
    assert locked.detail["kind"] == "token" and locked.detail["scope"] == "address"


def _sign_in(client, email, password, address="203.0.113.9"):
    token = csrf_from(client, "/auth/login")
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=_from(address),
    )


@limited
def test_wrong_passwords_from_one_address_meet_a_limit_across_accounts(client, app, staff):
    statuses = [
        _sign_in(client, f"person{n}@library.example", "wrong password!").status_code
        for n in range(5)
    ]
    assert statuses == [200] * 5  # the form says "do not match" each time
    blocked = _sign_in(client, staff.email, PASSWORD)  # even the right password, from there
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert _sign_in(client, staff.email, PASSWORD, address="203.0.113.10").status_code == 302


@limited
def test_forged_reset_links_meet_a_limit(client, app):
    statuses = [
        client.get(f"/auth/reset/forged-{n}", environ_base=_from("192.0.2.4")).status_code
        for n in range(7)
    ]
    assert statuses == [400] * 5 + [429] * 2
    [locked] = db.session.query(AuditEvent).filter_by(event="auth.locked_out").all()
    assert locked.detail["kind"] == "link"


@limited
def test_the_kinds_have_separate_budgets(client, app, staff):
    for n in range(5):
        _guess_token(client, n, address="192.0.2.50")
    assert _sign_in(client, staff.email, PASSWORD, address="192.0.2.50").status_code == 302


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True}], indirect=True)
def test_the_per_account_limit_records_its_lock_out(client, app, staff):
    for n in range(11):
        _sign_in(client, staff.email, "not the password!", address=f"198.51.100.{n}")
    [locked] = db.session.query(AuditEvent).filter_by(event="auth.locked_out").all()
    assert locked.detail["scope"] == "account" and locked.object_id == staff.id


def test_without_rate_limits_nothing_is_counted(client, app):
    for n in range(30):
        assert _guess_token(client, n).status_code == 401
