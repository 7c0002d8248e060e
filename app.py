"""WSGI entry point: `flask --app app ...` and `gunicorn app:app`."""

from juryfund import create_app

app = create_app()
