"""Password hashing and policy, signed one-time links, and API token secrets."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from functools import cache
from importlib import resources
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from teams_app.models.people import NO_PASSWORD

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # long passphrases are welcome; this only bounds hashing work

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """Check a password; return (matches, needs_rehash).

    Hashes made by older schemes (Werkzeug's pbkdf2 / scrypt) still verify and report that they
    need upgrading, so the caller can store an argon2id hash at this login.
    """
    if not stored_hash or stored_hash == NO_PASSWORD:
        burn_time_for_unknown_user(password)
        return False, False
    if stored_hash.startswith("$argon2"):
        try:
            _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False, False
        return True, _hasher.check_needs_rehash(stored_hash)
    try:
        ok = check_password_hash(stored_hash, password)
    except ValueError:
        return False, False
    return ok, ok


@cache
def _DUMMY_HASH() -> str:  # noqa: N802
    return _hasher.hash("not-a-real-password")


def burn_time_for_unknown_user(password: str) -> None:
    """Spend as long as a real check so response time does not reveal which emails exist."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH(), password)


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("teams_app").joinpath("data/common-passwords.txt").read_text()
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


# Words anyone would try first against this service (ASVS 6.1.2): a password made only of these
# (in any order, repeated, with digits, spaces or punctuation between) is refused. Operators
# add their own organisation's words with PASSWORD_CONTEXT_WORDS (comma-separated).
CONTEXT_WORDS = frozenset(
    {
        "mission",
        "missions",
        "team",
        "teams",
        "library",
        "libraries",
        "librarian",
        "password",
        "passphrase",
        "welcome",
        "admin",
        "staff",
        "leadership",
        "barrier",
        "barriers",
        "initiative",
        "story",
        "stories",
        "pioneer",
        "branch",
    }
)


def _context_words() -> frozenset[str]:
    extra: list[str] = []
    if has_app_context():
        extra = current_app.config.get("PASSWORD_CONTEXT_WORDS", [])
    return CONTEXT_WORDS | {w.lower() for w in extra if w}


def _only_words(letters: str, words: frozenset[str]) -> bool:
    """Whether ``letters`` is nothing but ``words`` run together (word-break, linear time)."""
    if not letters:
        return False
    longest = max(map(len, words))
    ends = [True] + [False] * len(letters)
    for i in range(1, len(letters) + 1):
        ends[i] = any(
            ends[i - n] and letters[i - n : i] in words for n in range(1, min(longest, i) + 1)
        )
    return ends[-1]


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why a password is refused (empty list: acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters; a passphrase works well.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    lowered = password.lower()
    letters = "".join(ch for ch in lowered if ch.isalpha())
    if (
        lowered in _common_passwords()
        or len(set(lowered)) < 4
        or _only_words(letters, _context_words())
    ):
        problems.append("That password is too common or too easy to guess.")
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and lowered.replace(" ", "") == local:
        problems.append("Do not use your email address as your password.")
    if name and lowered.replace(" ", "") == name.lower().replace(" ", ""):
        problems.append("Do not use your name as your password.")
    return problems


def link_serializer(purpose: str) -> URLSafeTimedSerializer:
    """Signed links: HMAC-SHA256 with SECRET_KEY and a salt per purpose. Links signed with
    itsdangerous's older SHA-1 default still verify (an unsubscribe link lives in old mail)."""
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"],
        salt=f"mission-teams-{purpose}",
        signer_kwargs={"digest_method": hashlib.sha256},
        fallback_signers=[{"digest_method": hashlib.sha1}],
    )


def _fingerprint(password_hash: str | None) -> str:
    """Ties a link to the password it was issued against, so it stops working once used."""
    return hashlib.sha256((password_hash or "unset").encode()).hexdigest()[:16]


def make_link_token(purpose: str, user_id: int, password_hash: str | None, **extra: str) -> str:
    """A signed link token for ``purpose``; ``extra`` (such as the new address of an email
    change) is signed with it, so it cannot be altered."""
    return link_serializer(purpose).dumps(
        {**extra, "uid": user_id, "fp": _fingerprint(password_hash)}
    )


class LinkError(Exception):
    """A one-time link is expired, already used or tampered with."""


def read_link_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    try:
        data = link_serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkError("This link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise LinkError("This link is not valid. Check that you copied all of it.") from exc
    if not isinstance(data, dict) or "uid" not in data or "fp" not in data:
        raise LinkError("This link is not valid. Check that you copied all of it.")
    return data


def link_matches(data: dict[str, Any], password_hash: str | None) -> bool:
    return bool(data.get("fp") == _fingerprint(password_hash))


TOKEN_PREFIX = "mt_"


def new_api_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
