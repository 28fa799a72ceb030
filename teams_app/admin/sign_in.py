"""Admin pages for single sign-on: the providers, "SSO only", and unlinking an identity.

Routes hang on the admin blueprint, so its admins-only guard covers them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from teams_app.account.forms import ConfirmForm
from teams_app.admin.routes import bp
from teams_app.models import User, UserIdentity
from teams_app.sso import flow
from teams_app.sso import services as sso
from teams_app.views import current_person, flash_outcome, get_or_404, render_confirm


@bp.get("/sign-in")
def sign_in() -> str:
    return render_template(
        "admin/sign_in.html",
        providers=flow.providers(),
        redirect_uri=flow.redirect_uri,
        counts=sso.identity_counts(),
        sso_only=sso.sso_only(),
        admins_with_password=sso.admins_with_password(),
        confirm_form=ConfirmForm(),
    )


@bp.route("/sign-in/sso-only", methods=["GET", "POST"])
def require_sso() -> str | Response:
    """Ask, then switch password sign-in off for everyone but admins."""
    if not flow.providers():
        flash("Configure an OpenID provider (SSO_PROVIDERS) before requiring SSO.", "danger")
        return redirect(url_for("admin.sign_in"))
    names = " or ".join(p.name for p in flow.providers())
    if request.method == "GET":
        return render_confirm(
            title="Require single sign-on for everyone but admins?",
            body=f"Staff and leadership will sign in only with {names}; their passwords stop "
            "working here (sessions already open continue). Admins keep password sign-in, so "
            "you can switch this back. People without a linked account are linked by email "
            "the first time they sign in.",
            action=url_for("admin.require_sso"),
            button="Require SSO",
            cancel=url_for("admin.sign_in"),
        )
    flash_outcome(
        lambda: sso.set_sso_only(current_person(), True),
        f"SSO only is on: everyone but admins signs in with {names}.",
    )
    return redirect(url_for("admin.sign_in"))


@bp.post("/sign-in/sso-only/off")
def allow_passwords() -> Response:
    flash_outcome(
        lambda: sso.set_sso_only(current_person(), False),
        "SSO only is off: everyone can sign in with a password again.",
    )
    return redirect(url_for("admin.sign_in"))


@bp.route("/users/<int:user_id>/identities/<int:identity_id>/unlink", methods=["GET", "POST"])
def unlink_identity(user_id: int, identity_id: int) -> str | Response:
    user = get_or_404(User, user_id)
    identity = get_or_404(UserIdentity, identity_id)
    if identity.user_id != user.id:
        abort(404)
    provider = flow.provider_name(identity.provider)
    if request.method == "GET":
        return render_confirm(
            title=f"Unlink {user.name}'s {provider} account?",
            body=f"{identity.email} will no longer sign in to this account, and {user.name} is "
            f"signed out everywhere. If they sign in with {provider} again and the address "
            "still matches, it links again: to keep someone out, deactivate the account.",
            action=url_for("admin.unlink_identity", user_id=user.id, identity_id=identity.id),
            button=f"Unlink {provider} account",
            cancel=url_for("admin.users", q=user.email),
        )
    flash_outcome(
        lambda: sso.unlink_identity(current_person(), user, identity.id),
        f"{user.name}'s {provider} account is unlinked.",
    )
    return redirect(url_for("admin.users", q=user.email))
