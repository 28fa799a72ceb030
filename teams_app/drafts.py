"""Keeping what someone typed when their session expired under them.

A form posted with an expired session (its CSRF token no longer matches, or the person was
signed out meanwhile) cannot be accepted, but its text must not be lost. ``keep`` stores the
submitted fields (never passwords) server-side; the browser's session carries a token for it
until a sign-in gives it an owner (``claim``). When the person is back on the form's page,
``take`` hands the fields to the page once, and ``static/js/drafts.js`` puts them back into
the form for them to check and submit again.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, session
from flask_login import current_user
from sqlalchemy import delete, select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from teams_app.extensions import db
from teams_app.models import FormDraft, User, utcnow

SESSION_KEY = "draft_token"
PENDING_KEY = "draft_pending"  # set while a draft may be waiting: no query on other pages
KEEP_FOR = timedelta(hours=24)
MAX_BYTES = 200_000
_SECRET_NAMES = ("password", "csrf_token")
_SECRET_EXACT = {"confirm"}  # the repeated password on password forms


def _kept_fields(form: Any) -> list[list[str]]:
    return [
        [name, value]
        for name, value in form.items(multi=True)
        if name not in _SECRET_EXACT
        and not any(secret in name for secret in _SECRET_NAMES)
        and value != ""
    ]


def from_our_pages() -> bool:
    """Whether the refused form was sent from one of our own pages (its Origin, else its
    Referer, is this site). A cross-site post gets no draft and no friendly redirect: it must
    not plant text in someone's form."""
    here = urlsplit(request.host_url).netloc
    origin = request.headers.get("Origin")
    if origin:
        return urlsplit(origin).netloc == here
    return urlsplit(request.referrer or "").netloc == here


def _is_page(path: str) -> bool:
    """Whether ``path`` is a page a browser can open (GET), so we can send people back to it."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    except Exception:  # a redirect rule, a bad path: not somewhere to return to
        return False
    return True


def form_page() -> str:
    """The page the refused form was on: the same-site referrer, else the address it posted to
    when that is a page, else home."""
    referrer = urlsplit(request.referrer or "")
    here = urlsplit(request.host_url)
    if referrer.netloc == here.netloc and referrer.path and _is_page(referrer.path):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    if _is_page(request.path):
        return request.path
    return "/"


def keep(user: User | None) -> bool:
    """Store the current request's form fields for ``user`` (or, signed out, for this browser).
    False when there was nothing worth keeping."""
    fields = _kept_fields(request.form)
    if not fields:
        return False
    encoded = json.dumps(fields)
    if len(encoded.encode()) > MAX_BYTES:
        return False
    db.session.execute(delete(FormDraft).where(FormDraft.created_at < utcnow() - KEEP_FOR))
    token = secrets.token_urlsafe(32)
    page = form_page()
    db.session.add(
        FormDraft(
            token=token,
            user_id=user.id if user is not None else None,
            page=urlsplit(page).path,
            action=request.path,
            fields=encoded,
        )
    )
    db.session.commit()
    if user is None:
        session[SESSION_KEY] = token
    session[PENDING_KEY] = True
    return True


def claim(token: str | None, user: User) -> bool:
    """At sign-in: the draft this browser kept while signed out becomes ``user``'s. Whether
    there was one."""
    if not token:
        return False
    draft = db.session.scalar(
        select(FormDraft).where(FormDraft.token == token, FormDraft.user_id.is_(None))
    )
    if draft is None:
        return False
    draft.user_id = user.id
    db.session.commit()
    session[PENDING_KEY] = True
    return True


def take(user: User | None, path: str) -> dict[str, Any] | None:
    """The newest draft for ``path`` (``{"action": ..., "fields": [[name, value], ...]}``), once:
    it is deleted as it is handed over."""
    if not session.get(PENDING_KEY):
        return None
    stmt = select(FormDraft).where(
        FormDraft.page == path, FormDraft.created_at >= utcnow() - KEEP_FOR
    )
    if user is not None:
        stmt = stmt.where(FormDraft.user_id == user.id)
    else:
        token = session.get(SESSION_KEY)
        if not token:
            return None
        stmt = stmt.where(FormDraft.token == token, FormDraft.user_id.is_(None))
    draft = db.session.scalar(stmt.order_by(FormDraft.created_at.desc()).limit(1))
    if draft is None:
        if user is not None and not db.session.scalar(
            select(FormDraft.id).where(FormDraft.user_id == user.id).limit(1)
        ):
            session.pop(PENDING_KEY, None)  # nothing left to hand back: stop looking
        return None
    found = {"action": draft.action, "fields": json.loads(draft.fields)}
    db.session.delete(draft)
    db.session.commit()
    session.pop(PENDING_KEY, None)
    session.pop(SESSION_KEY, None)
    return found


def pending_for_page() -> dict[str, Any] | None:
    """For base.html: the draft to put back into this page's form, if one is waiting."""

    if request.method != "GET" or not session.get(PENDING_KEY):
        return None
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return take(user, request.path)
