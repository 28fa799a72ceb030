"""Form helpers shared by the feature blueprints."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from teams_app.dates import OUT_OF_RANGE, in_range
from teams_app.people.services import department_choices


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def department_options(empty_label: str) -> list[SelectChoice]:
    """Departments for a select, with a first "none" option whose value is 0."""

    return options([(0, empty_label), *department_choices()])


# WTForms' own messages per locale, loaded once per process: Flask-WTF reads the catalogue
# from disk on every request that builds a form (half a millisecond each, on every page).
_CATALOGUES: dict[str, support.NullTranslations] = {}


class Form(FlaskForm):
    """The app's form base. Hidden inputs carry no ``id``: a page often holds several forms,
    and ids must be unique on a page (two ``csrf_token`` ids, or two ``version`` ids, would
    be invalid HTML and confuse assistive technology)."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            locale = str(get_locale() or "en")
            found = _CATALOGUES.get(locale)
            if found is None:
                found = _CATALOGUES[locale] = support.Translations.load(
                    messages_path(), [locale], domain="wtforms"
                )
            return found

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            if field.type in ("HiddenField", "CSRFTokenField"):
                field.id = False  # WTForms leaves out an id of False


def date_in_range(_form: Any, field: Field) -> None:
    """Every date a form takes is in the app's range (``dates.py``), like the API's."""
    if field.data is not None and not in_range(field.data):
        raise ValidationError(OUT_OF_RANGE)
