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
# A worker takes a connection only when one of its threads is free (worker_connections = threads, set
# again in on_starting below so that `--threads` on the command line keeps them equal), and closes each
# connection after its response: gthread workers otherwise accept every connection they can and queue it
# behind their own busy threads, so with clients that keep their connections (a load balancer, a
# benchmark) one worker could hold 7 of 8 of them while the other idled. Connections now wait in the
# kernel's one queue for the first free thread of any worker. Keep-alive to browsers is the proxy's work
# (nginx keeps them; its connections to gunicorn are one per request by default).
worker_connections = threads
keepalive = 0
timeout = 30
graceful_timeout = 20
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


def on_starting(server):
    server.cfg.set("worker_connections", server.cfg.threads)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
