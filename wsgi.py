"""WSGI entry point for production: `gunicorn wsgi:app` (settings in gunicorn.conf.py)."""
from core.app import create_app

app = create_app()
