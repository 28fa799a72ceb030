"""The public survey pages: a customer survey answered without an account, through a branch's
link (``/s/<token>?branch=<id>``, what the poster's QR code opens) or the kiosk at a desk
(``/s/<token>/kiosk``, which comes back to an empty form after each answer).

Guards, none of which stores anything about the person: a rate limit per client address on
posts, a honeypot field, a signed form token that carries the time the form was shown (an
answer faster than SURVEY_MIN_FILL_SECONDS is shown again) and the one-time submission key
(a double submit stores one response), and CSRF like every form. No IP address or user agent
is stored with an answer.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from teams_app.errors import InvalidInput
from teams_app.extensions import limiter
from teams_app.input_guard import parse_id
from teams_app.models import Survey
from teams_app.people.services import department_choices
from teams_app.surveys import i18n, services
from teams_app.surveys.forms import AnswerForm, read_answers

bp = Blueprint("public_surveys", __name__)

# A form older than this is refused by its token (CSRF's own limit is shorter anyway).
FORM_MAX_AGE = 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="survey-form")


def new_form_token() -> str:
    return _serializer().dumps(secrets.token_urlsafe(16))


def read_form_token(token: str) -> tuple[str, float] | None:
    """(submission key, seconds since the form was shown), or None when forged or too old."""
    try:
        key, signed_at = _serializer().loads(
            token or "", max_age=FORM_MAX_AGE, return_timestamp=True
        )
    except (BadSignature, TypeError, ValueError):
        return None
    return str(key), time.time() - signed_at.timestamp()


def _language(survey: Survey) -> str:
    wanted = request.values.get("lang")
    if wanted in survey.languages:
        return str(wanted)
    return request.accept_languages.best_match(survey.languages) or survey.main_language


def _limit() -> str:
    return str(current_app.config["SURVEY_PUBLIC_LIMIT"])


def _page(
    survey: Survey,
    *,
    kiosk: bool,
    values: dict[int, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    language = _language(survey)
    i18n.use_language(language)
    branch = request.values.get("branch", type=parse_id)
    form = AnswerForm(formdata=None)
    form.submission_key.data = new_form_token()
    endpoint = "public_surveys.kiosk" if kiosk else "public_surveys.answer"

    return render_template(
        "surveys/public_form.html",
        survey=survey,
        form=form,
        language=language,
        values=values or {},
        errors=errors or {},
        notice=notice,
        departments=department_choices(),
        preview=False,
        action=url_for(endpoint, token=survey.public_token, branch=branch, lang=language),
        branch=branch,
        kiosk=kiosk,
        lang_url=lambda code: url_for(
            endpoint, token=survey.public_token, branch=branch, lang=code
        ),
    ), status


def _answer(token: str, *, kiosk: bool) -> tuple[str, int]:
    survey = services.get_by_token(token)
    problem = services.taking_answers_problem(survey)
    if problem is not None:
        i18n.use_language(_language(survey))
        return render_template("surveys/not_open.html", survey=survey, problem=problem), 409
    if request.method == "GET":
        return _page(survey, kiosk=kiosk)

    values = read_answers(request.form, survey)
    thanks = _thanks(survey, kiosk)
    if request.form.get("website"):
        return thanks  # the honeypot: a bot is thanked, nothing is stored
    read = read_form_token(request.form.get("submission_key", ""))
    if read is None:
        return _page(
            survey,
            kiosk=kiosk,
            values=values,
            status=400,
            notice=_(
                "This form had been open too long. Please check your answers and send them again."
            ),
        )
    key, elapsed = read
    if elapsed < current_app.config["SURVEY_MIN_FILL_SECONDS"]:
        return _page(
            survey,
            kiosk=kiosk,
            values=values,
            status=422,
            notice=_("That was quick! Please check your answers and send them again."),
        )
    submission = services.Submission(
        values,
        language=_language(survey),
        department_id=request.args.get("branch", type=parse_id),
        channel="kiosk" if kiosk else "link",
        submission_key=key,
    )
    try:
        services.answer_publicly(survey, submission)
    except services.NotTakingAnswers as exc:
        return render_template("surveys/not_open.html", survey=survey, problem=exc), 409
    except InvalidInput as exc:
        return _page(survey, kiosk=kiosk, values=values, errors=exc.fields, status=422)
    return thanks


def _thanks(survey: Survey, kiosk: bool) -> tuple[str, int]:

    language = _language(survey)
    i18n.use_language(language)
    branch = request.args.get("branch", type=parse_id)
    again = url_for(
        "public_surveys.kiosk" if kiosk else "public_surveys.answer",
        token=survey.public_token,
        branch=branch,
    )
    return render_template(
        "surveys/public_thanks.html", survey=survey, kiosk=kiosk, again=again, language=language
    ), 200


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def answer(token: str) -> tuple[str, int]:
    return _answer(token, kiosk=False)


@bp.route("/s/<token>/kiosk", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def kiosk(token: str) -> tuple[str, int]:
    return _answer(token, kiosk=True)


@bp.errorhandler(CSRFError)
def expired(_error: CSRFError) -> tuple[str, int]:
    """A public form whose CSRF token expired (a kiosk left open): show it again with the
    answers kept, rather than the signed-in pages' "sign in again"."""

    token = (request.view_args or {}).get("token", "")
    survey = services.get_by_token(str(token))
    return _page(
        survey,
        kiosk=request.endpoint == "public_surveys.kiosk",
        values=read_answers(request.form, survey),
        status=400,
        notice=_(
            "This form had been open too long. Please check your answers and send them again."
        ),
    )
