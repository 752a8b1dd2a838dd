"""A WSGI app that answers with its worker's process id, for tests/ops/test_gunicorn_workers.py.

`/slow?seconds=N` holds its thread for N seconds, after creating the file STARTED_FILE (so a test knows
the request is being served), then answers the same way.
"""
import os
import time
from pathlib import Path
from urllib.parse import parse_qs


def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        Path(os.environ["STARTED_FILE"]).touch()
        time.sleep(float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", ["1"])[0]))
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
