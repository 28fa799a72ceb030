"""The survey pages' own wording in the respondent's language (Flask-Babel).

Only the public survey pages (and the preview of them) pick a language: they set
``g.survey_language`` before rendering; everywhere else the locale stays English, so the rest of
the app's templates are unaffected. Catalogues: teams_app/translations/<lang>/LC_MESSAGES
(messages.po, and the compiled messages.mo kept beside it; `make translations` rebuilds it).
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import Babel, refresh

from teams_app.models.surveys import SURVEY_LANGUAGES

babel = Babel()


def select_locale() -> str:
    language = getattr(g, "survey_language", None)
    return language if language in SURVEY_LANGUAGES else "en"


def use_language(language: str) -> None:
    """Render this request's survey wording in ``language`` (a survey language, else English)."""

    g.survey_language = language if language in SURVEY_LANGUAGES else "en"
    refresh()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    babel.init_app(app, locale_selector=select_locale)
