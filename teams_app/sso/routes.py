"""Single sign-on views: start a sign-in at a provider, and the callback it comes back to."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from teams_app.auth.session import begin_session
from teams_app.extensions import limiter
from teams_app.models import utcnow
from teams_app.sso import flow, services
from teams_app.sso.config import ProviderConfig
from teams_app.sso.refusals import SignInRefused
from teams_app.views import safe_local_url

bp = Blueprint("sso", __name__, url_prefix="/auth/sso")


def _provider_or_404(key: str) -> ProviderConfig:
    provider = flow.get_provider(key)
    if provider is None:
        abort(404)
    return provider


def refused_page(refusal: SignInRefused) -> tuple[str, int, dict[str, str]]:
    """Record the refusal (the one thing it writes) and explain it."""
    services.record_refusal(refusal)
    headers = {"Retry-After": "60"} if refusal.status == 503 else {}
    return (
        render_template(
            "sso/refused.html", refusal=refusal, now_utc=utcnow().strftime("%Y-%m-%d %H:%M")
        ),
        refusal.status,
        headers,
    )


@bp.get("/<provider>")
@limiter.limit("20 per minute")
def start(provider: str) -> Response | tuple[str, int, dict[str, str]]:
    """A "Sign in with ..." button: off to the provider. A link, not a form: the CSP's
    form-action 'self' would stop a form's redirect to another origin. Starting a sign-in
    changes nothing here; the callback's ``state`` is what stops login CSRF."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    config = _provider_or_404(provider)
    next_url = safe_local_url(request.args.get("next"), "") or None
    remember = request.args.get("remember") == "1"
    try:
        url = flow.begin(config, remember=remember, next_url=next_url)
    except SignInRefused as refusal:
        return refused_page(refusal)
    return redirect(url)


@bp.get("/<provider>/callback")
@limiter.limit("30 per minute")
def callback(provider: str) -> Response | tuple[str, int, dict[str, str]]:
    """Where the provider sends the browser back. The session starts exactly as a password
    sign-in starts it (``begin_session``: a fresh session, the session version, remember-me)."""
    config = _provider_or_404(provider)
    try:
        claims, attempt = flow.complete(config)
        outcome = services.sign_in(config, claims)
    except SignInRefused as refusal:
        return refused_page(refusal)
    begin_session(outcome.user, remember=attempt.remember)
    if outcome.created:
        flash(
            f"Welcome to Mission Teams, {outcome.user.first_name}. Your account was made from "
            f"your {config.name} sign-in.",
            "success",
        )
        return redirect(url_for("account.welcome", next=attempt.next_url))
    flash(f"Welcome back, {outcome.user.first_name}.", "success")
    return redirect(safe_local_url(attempt.next_url, url_for("main.home")))


def login_page_context() -> dict[str, Any]:
    """What the sign-in page needs to offer single sign-on."""
    providers = flow.providers()
    return {
        "sso_providers": providers,
        "sso_next": safe_local_url(request.args.get("next"), ""),
        "sso_only": bool(providers) and services.sso_only(),
    }
