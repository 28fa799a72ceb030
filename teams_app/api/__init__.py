"""JSON API v1 (``../shared/api.md``): bearer tokens, one error shape, OpenAPI from the schemas.

flask-smorest validates requests with marshmallow schemas and generates the OpenAPI document from
the same schemas. Its own app-wide error handler is switched off: ``teams_app.errors`` answers
every error, JSON under ``/api/`` and HTML elsewhere.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template
from flask_smorest import Api as SmorestApi

from teams_app.api.barriers import blp as barriers_blp
from teams_app.api.conversations import blp as conversations_blp
from teams_app.api.docs import reference
from teams_app.api.initiatives import blp as initiatives_blp
from teams_app.api.people import blp as people_blp
from teams_app.api.portfolio import blp as portfolio_blp
from teams_app.api.satisfaction import blp as satisfaction_blp
from teams_app.api.schemas import ApiErrorSchema
from teams_app.api.search import blp as search_blp
from teams_app.api.stories import blp as stories_blp
from teams_app.api.survey_results import blp as survey_results_blp
from teams_app.api.surveys import blp as surveys_blp
from teams_app.api.teams import blp as teams_blp


class Api(SmorestApi):
    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:
        """Errors are handled app-wide by teams_app.errors (HTML pages stay HTML)."""


docs_bp = Blueprint("api_docs", __name__)


@docs_bp.get("/api/docs")
def docs() -> str:
    """The API reference, read from the OpenAPI document (``teams_app.api.docs``)."""

    return render_template("api/docs.html", ref=reference())


def init_api(app: Flask) -> None:

    app.config.update(
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH=None,
        OPENAPI_REDOC_PATH=None,
        OPENAPI_RAPIDOC_PATH=None,
    )
    spec_kwargs: dict[str, Any] = {
        "info": {
            "description": "The Mission Teams JSON API. Authenticate with `Authorization: Bearer "
            "<token>`; create a token on your profile page or with `flask tokens create`. "
            "While the database or Redis is down any endpoint may answer 503 with Retry-After "
            "and the error code `unavailable`: retry after that many seconds.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
    }
    api = Api(app, spec_kwargs=spec_kwargs)
    app.extensions["smorest_api"] = api
    for blp in (
        people_blp,
        teams_blp,
        initiatives_blp,
        barriers_blp,
        stories_blp,
        satisfaction_blp,
        portfolio_blp,
        conversations_blp,
        surveys_blp,
        survey_results_blp,
        search_blp,
    ):
        api.register_blueprint(blp, url_prefix="/api/v1")
    app.register_blueprint(docs_bp)
