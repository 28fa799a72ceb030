"""Small helpers shared by the HTML views (not business rules: those live in services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse

from teams_app import audit
from teams_app.account.forms import ConfirmForm
from teams_app.errors import NotAllowed, ServiceError
from teams_app.extensions import db
from teams_app.models import utcnow
from teams_app.same_site import local_target
from teams_app.versioning import StaleEdit, form_version


def apply_field_errors(
    form: FlaskForm, error: ServiceError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's refusal next to the fields it names, or at the top when it names none."""
    placed = False
    for name, messages in error.fields.items():
        field = getattr(form, (aliases or {}).get(name, name), None)
        if field is not None:
            field.errors = list(field.errors or []) + list(messages)
            placed = True
    if not placed:
        flash(error.message, "danger")


def edit_with_version(
    form: FlaskForm,
    save: Callable[[int | None], Any],
    *,
    saved: str,
    then: str | Callable[[], str],
    template: str,
    **context: Any,
) -> BaseResponse | tuple[str, int]:
    """The one way an HTML page saves a versioned edit (a team's charter, an initiative, a
    barrier, an action, a story).

    On a valid post, ``save(version)`` runs the service with the version from the form's hidden
    ``version`` field; then "saved" is flashed and the person goes to ``then``. When someone else
    saved first (``StaleEdit``) the page comes back with 409, showing their version as
    ``current`` beside the person's input, the form now carrying the saved version (so saving
    again replaces it). Other refusals go next to their fields (422), a 403 propagates. A GET,
    or an invalid post, renders ``template`` with ``form`` and ``context``."""

    current = None
    if form.validate_on_submit():
        version_field: Any = form.version
        try:
            save(form_version(version_field.data))
        except StaleEdit as exc:
            current = exc.current
            version_field.data = str(current.version)
            flash(exc.message, "warning")
        except NotAllowed:
            raise
        except ServiceError as exc:
            apply_field_errors(form, exc)
        else:
            flash(saved, "success")
            return redirect(then() if callable(then) else then)
    status = 409 if current is not None else (422 if form.errors else 200)
    return render_template(template, form=form, current=current, **context), status


def get_or_404(model: Any, ident: Any) -> Any:

    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def flash_outcome(action: Callable[[], Any], success: str | Callable[[], str]) -> bool:
    """Run a one-click service call: flash its refusal, or the success message. Returns
    whether it succeeded. A 403 from the service is not flashed: it propagates as a 403."""

    try:
        action()
    except NotAllowed:
        raise
    except ServiceError as exc:
        flash(exc.message, "danger")
        return False
    flash(success() if callable(success) else success, "success")
    return True


def safe_local_url(target: str | None, fallback: str) -> str:
    """``target`` when it is a same-site path, else ``fallback``: no open redirects."""

    return local_target(target, fallback)


def back_or(fallback: str) -> str:
    """Where the person came from (the ``Referer``) when that is this site, else ``fallback``."""

    return safe_local_url(request.referrer, fallback)


def signed_in_only(bp: Blueprint) -> None:
    """Every page of ``bp`` needs a signed-in, active person."""

    @bp.before_request
    @login_required
    def _signed_in() -> None:
        return None


def current_person() -> Any:
    """The signed-in User itself (not Flask-Login's proxy), to hand to services."""

    return current_user._get_current_object()


def render_confirm(*, title: str, body: str, action: str, button: str, cancel: str) -> str:
    """The page that asks before a destructive action; its form posts to ``action``."""

    return render_template(
        "confirm.html",
        form=ConfirmForm(),
        title=title,
        body=body,
        action=action,
        button=button,
        cancel=cancel,
    )


def csv_download(lines: Any, name: str) -> Any:
    """A streamed CSV attachment named ``<name>-<date>.csv`` (never cached: it holds data)."""

    audit.record("csv.exported", export=name, query=request_query())
    stamp = utcnow().strftime("%Y-%m-%d")
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


def request_query() -> str:
    """This request's query string, for the record (filters say what was exported)."""

    return request.query_string.decode("utf-8", "replace")[:300]
