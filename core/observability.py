"""What operators watch: a request id on every response and log line, JSON logs, Prometheus metrics.

Logs never carry personal data: the route pattern (`/<slug>/staff/beneficiaries/<int:beneficiary_id>`),
not the query string or form, the tenant's slug and the user's numeric id.
`/metrics` (behind METRICS_TOKEN) and `/readyz` are served by the platform blueprint.
"""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from prometheus_client import Counter, Histogram

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

REQUEST_SECONDS = Histogram(
    "wasl_request_duration_seconds", "Time to answer a request, by endpoint.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_ERRORS = Counter("wasl_request_errors_total", "Requests answered with a 5xx status, by endpoint.",
                         ["endpoint"])

log = logging.getLogger("wasl.request")


class RequestContextFilter(logging.Filter):
    """Adds request_id, tenant and user_id to every record logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            record.tenant = _loaded(g.get("tenant"), "slug")
            record.user_id = _loaded(g.get("_login_user"), "id")
        return True


def _loaded(obj, name: str):
    """An attribute, from memory when it is there; None rather than an exception: a log line must not
    fail the request (the database may be the very thing that failed, and an expired row detached by the
    rollback cannot reload itself)."""
    if obj is None:
        return None
    try:
        found = vars(obj).get(name)
    except TypeError:
        found = None
    if found is not None:
        return found
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - DetachedInstanceError, or the database gone while reloading
        return None


def _handler(fmt: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        ))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RequestContextFilter())
    return handler


def configure_logging(app: Flask) -> None:
    fmt = app.config.get("LOG_FORMAT", "text")
    logger = logging.getLogger("wasl")
    if not any(getattr(h, "_wasl", False) for h in logger.handlers):
        handler = _handler(fmt)
        handler._wasl = True
        logger.addHandler(handler)
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    logger.propagate = False


def start_clock() -> None:
    """The request's id and start time (also called by error handlers for a request that failed before
    its before_request functions ran, e.g. in the tenant lookup, so it is still logged and counted)."""
    if g.get("request_started") is not None:
        return
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(start_clock)

    @app.after_request
    def measure(response):
        started = g.get("request_started")
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        if started is None:
            return response
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "unmatched"
        REQUEST_SECONDS.labels(endpoint, request.method, str(response.status_code)).observe(seconds)
        if response.status_code >= 500:
            REQUEST_ERRORS.labels(endpoint).inc()
        if app.config.get("LOG_REQUESTS", True):
            route = request.url_rule.rule if request.url_rule else None
            duration_ms = round(seconds * 1000, 1)
            log.info("%s %s %s %sms", request.method, route or endpoint, response.status_code, duration_ms, extra={
                "method": request.method, "route": route, "endpoint": endpoint,
                "status": response.status_code, "duration_ms": duration_ms,
            })
        return response


# --- /metrics ------------------------------------------------------------------------------------

class BacklogCollector:
    """Read at scrape time: messages waiting in the outbox, tasks waiting on the broker."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        import sqlalchemy as sa
        from prometheus_client.core import GaugeMetricFamily

        try:
            counts = outbox_counts()
        except sa.exc.SQLAlchemyError:  # the database is down: /readyz says so; the rest still scrapes
            from core.extensions import db

            db.session.rollback()
            counts = None
        if counts is not None:
            outbox = GaugeMetricFamily("wasl_outbox_backlog", "Outbox messages by status.", labels=["status"])
            for status, count in counts.items():
                outbox.add_metric([status], count)
            yield outbox
        depth = task_queue_depth(self.app)
        if depth is not None:
            yield GaugeMetricFamily("wasl_task_queue_depth", "Tasks waiting on the broker.", value=depth)


def outbox_counts() -> dict[str, int]:
    import sqlalchemy as sa

    from core.extensions import db
    from core.messaging.models import OutboxMessage
    from core.tenancy import cross_tenant_scope

    with cross_tenant_scope():
        rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
        counts = {"pending": 0, "sent": 0, "failed": 0} | dict(rows.all())
    db.session.rollback()
    return counts


def task_queue_depth(app: Flask) -> int | None:
    """Length of the default queue on a Redis broker; None when no Redis broker is configured."""
    url = app.config.get("CELERY_BROKER_URL") or ""
    if not url.startswith("redis"):
        return None
    import redis

    try:
        return int(redis.Redis.from_url(url, socket_timeout=1).llen(app.config.get("CELERY_DEFAULT_QUEUE", "celery")))
    except redis.RedisError:
        return None


def render_metrics(app: Flask) -> tuple[bytes, str]:
    """The exposition text: every worker's request metrics (multiprocess mode) plus the backlog."""
    import os

    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUEST_SECONDS, REQUEST_ERRORS):
            registry.register(collector)
    registry.register(BacklogCollector(app))
    return generate_latest(registry), CONTENT_TYPE_LATEST


# --- /readyz -------------------------------------------------------------------------------------

def readiness(app: Flask) -> dict[str, str]:
    """Each dependency: "ok", "down" or "not configured"."""
    import sqlalchemy as sa

    from core.extensions import db

    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError:
        checks["database"] = "down"
    finally:
        db.session.rollback()
    for name, url in (("redis", app.config.get("REDIS_URL")), ("broker", app.config.get("CELERY_BROKER_URL"))):
        checks[name] = _ping(url) if url else "not configured"
    return checks


def _ping(url: str) -> str:
    if url.startswith(("redis://", "rediss://")):
        import redis

        try:
            redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
            return "ok"
        except redis.RedisError:
            return "down"
    if url.startswith(("amqp://", "pyamqp://")):
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        try:
            socket.create_connection((parts.hostname or "localhost", parts.port or 5672), timeout=1).close()
            return "ok"
        except OSError:
            return "down"
    return "not checked"
