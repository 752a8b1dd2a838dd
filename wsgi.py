"""WSGI entry point for production: `gunicorn wsgi:app` (settings in gunicorn.conf.py).

It refuses to start when the database would not accept the app's tenant signatures (core/rls_key.py).
The `flask --app wsgi …` commands load it too: they are not serving (`db upgrade` must run before the
database has the key), so the check is left to the commands that serve (`wasl demo`, `wasl worker`).
"""
import os

from core.app import create_app
from core.rls_key import require_database_key

app = create_app()
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    require_database_key(app)
