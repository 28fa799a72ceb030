"""The ceiling: the least a Flask app under our gunicorn command can do (one route, no database,
no templates). Every page's requests/s is reported as a share of this, measured next to it."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "ok"
