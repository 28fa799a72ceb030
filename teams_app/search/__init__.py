"""Search across teams, initiatives, barriers, actions, stories, comments, people and survey
comments: the index (``index.py``, kept in step by the session), what each kind contributes
(``documents.py``), the query with permissions in it (``query.py``), the page and typeahead
(``routes.py``) and ``flask search reindex`` (``cli.py``)."""

from __future__ import annotations

from flask import Flask

from teams_app.search import index
from teams_app.search.routes import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    index.init_app(app)
