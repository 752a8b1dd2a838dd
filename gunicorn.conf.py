"""Gunicorn settings for production (`gunicorn wsgi:app` reads this file from the working directory).

One worker process per core: Python (ORM loading and Jinja) is the ceiling, not the database.
Everything can be overridden with GUNICORN_CMD_ARGS or the environment variables below.
"""
import multiprocessing
import os
import tempfile

bind = os.environ.get("WASL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("WASL_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycling a worker costs a slow start (imports, templates, translations) that shows as p99 spikes under
# load: every ~2,000 requests was too often. 0 (WASL_MAX_REQUESTS=0) turns recycling off.
max_requests = int(os.environ.get("WASL_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Wasl logs one JSON line per request itself (request id, tenant, user id, route; never the query
# string): gunicorn's own access log would repeat it with the raw URL.
accesslog = None
errorlog = "-"
# Behind a TLS-terminating proxy: trust its X-Forwarded-* headers only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Prometheus metrics from every worker process: each writes its samples into this folder, /metrics
# adds them up. It must be set before a worker imports prometheus_client.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="wasl-metrics-"))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
