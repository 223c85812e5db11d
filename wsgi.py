"""WSGI entry point: `gunicorn wsgi:app`."""

from milequest import create_app

app = create_app()
