"""Password hashing and policy, and API token secrets."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from teams_app.security import (
    hash_api_secret,
    hash_password,
    new_api_secret,
    password_problems,
    verify_password,
)


def test_argon2id_hash_verifies_and_does_not_need_rehash():
    stored = hash_password("a sturdy passphrase")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a sturdy passphrase") == (True, False)
    assert verify_password(stored, "a wrong passphrase") == (False, False)


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "scrypt:1024:8:1"])
def test_weaker_legacy_hashes_verify_and_ask_for_rehash(method):
    stored = generate_password_hash("a sturdy passphrase", method=method)
    assert verify_password(stored, "a sturdy passphrase") == (True, True)
    assert verify_password(stored, "nope nope nope") == (False, False)


def test_missing_or_garbage_hash_never_verifies():
    assert verify_password(None, "anything at all") == (False, False)
    assert verify_password("$argon2id$garbage", "anything at all") == (False, False)
    assert verify_password("not-a-hash", "anything at all") == (False, False)


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("short", "at least 12"),
        ("password1234", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("qwertyuiop123", "too common"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_weak_passwords_are_refused(password, fragment):
    problems = password_problems(password)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize(
    "password",
    ["MissionTeams2026!", "library library", "welcomelibrary1", "Pioneer Library Admin"],
)
def test_passwords_made_of_context_words_are_refused(password):
    assert any("too common" in p for p in password_problems(password)), password


def test_a_context_word_inside_a_real_passphrase_is_fine():
    assert password_problems("the library owl reads at midnight") == []


def test_operators_add_their_own_context_words(tmp_path):
    from flask import Flask

    app = Flask(__name__)
    app.config["PASSWORD_CONTEXT_WORDS"] = ["Norman", "Moore"]
    with app.app_context():
        assert password_problems("NormanMoore2026")
    assert password_problems("NormanMoore2026") == []


def test_email_or_name_as_password_is_refused():
    assert password_problems("marylibrarian", email="marylibrarian@library.example")
    assert password_problems("Mary Anne Librarian", name="Mary Anne Librarian")


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "Ünïcödé pässphrase 2026", "x7#Lq9!vR2@m"]
)
def test_good_passwords_and_long_passphrases_pass(password):
    assert password_problems(password) == []


def test_api_secrets_are_random_and_hashed():
    a, b = new_api_secret(), new_api_secret()
    assert a != b and a.startswith("mt_") and len(a) > 40
    assert hash_api_secret(a) == hash_api_secret(a) != hash_api_secret(b)
    assert len(hash_api_secret(a)) == 64


def test_links_are_signed_with_sha256_and_old_sha1_links_still_verify():
    import hashlib

    from flask import Flask
    from itsdangerous import URLSafeTimedSerializer

    from teams_app.security import make_link_token, read_link_token

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "k" * 40
    with app.app_context():
        token = make_link_token("reset", 7, "hash")
        sha256 = URLSafeTimedSerializer(
            "k" * 40, salt="mission-teams-reset", signer_kwargs={"digest_method": hashlib.sha256}
        )
        assert sha256.loads(token)["uid"] == 7
        old = URLSafeTimedSerializer("k" * 40, salt="mission-teams-reset").dumps(
            {"uid": 8, "fp": "x"}
        )
        assert read_link_token("reset", old, 60)["uid"] == 8


def test_sessions_are_signed_with_sha256(app):
    import hashlib

    assert app.session_interface.digest_method is hashlib.sha256
