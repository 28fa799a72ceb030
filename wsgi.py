"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from teams_app import create_app

app = create_app()
