"""The task queue's broker (Redis) down: what people do still works, and the work waits, then resumes.

The broker is a throwaway redis-server these tests start on a free port and stop by its process id (never
the machine's Redis). The web app and a real Celery worker thread use it as CELERY_BROKER_URL.
"""
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.imports.models import ImportJob
from core.messaging.models import OutboxMessage
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx
from tests.ops.servers import needs_redis_server, second_app, throwaway_redis
from tests.test_imports import BAD, GOOD, HEADER, _check, _csv, _mapping, _upload
from tests.test_staff_helpers import open_file, open_request, staff_client
from tests.test_task_queue import _wait_for

pytestmark = needs_redis_server


@pytest.fixture
def broker(tmp_path, monkeypatch):
    redis = throwaway_redis(tmp_path / "redis")
    # Celery takes CELERY_BROKER_URL from the environment over its configuration (the PostgreSQL run sets it)
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)
    yield redis
    redis.stop()


def web_on(app, broker_url, **overrides):
    """A second app whose task queue is on `broker_url`."""
    return second_app(app, CELERY_BROKER_URL=broker_url, **overrides)


@contextmanager
def worker_of(web):
    from celery.contrib.testing.worker import start_worker

    celery_app = web.extensions["celery"]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield celery_app


def _outbox(app):
    with app_ctx(app), cross_tenant_scope():
        return [(m.status, m.attempts) for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]


def test_intake_works_while_the_broker_is_down_and_the_message_goes_out_once_when_it_is_back(
        app, tenant_a, broker, tmp_path):
    outbox = tmp_path / "outbox"
    broker.start()
    with web_on(app, broker.url, MAIL_FILE_DIR=str(outbox)) as web, worker_of(web) as celery_app:
        from core.taskqueue.app import run_job

        broker.stop()  # Redis goes down under a running worker

        officer = staff_client(web, "officer@alpha.test", "alpha", ["relations_officer"])
        file_id = open_file(officer, "alpha", email="fatima@example.com")
        open_request(officer, "alpha", file_id, "phone")  # asserts the 302: the person's work is saved
        assert _outbox(app) == [("pending", 0)]  # the acknowledgement waits in the outbox, in the database

        broker.start()  # Redis is back on the same address; the worker reconnects by itself
        # beat's next tick, and a cron `wasl jobs run` at the same minute: the message still goes out once
        for _ in range(2):
            assert _wait_for(lambda: _published(run_job)), "the broker did not come back"
        assert _wait_for(lambda: _outbox(app) == [("sent", 1)]), _outbox(app)
        assert celery_app.conf.broker_url == broker.url
    assert len(list(outbox.glob("*-email-request_received.eml"))) == 1


def _published(task) -> bool:
    from kombu.exceptions import OperationalError

    try:
        task.delay("outbox.send")
        return True
    except OperationalError:
        return False


def _state(app, job_id):
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalars(sa.select(ImportJob).where(ImportJob.id == job_id)).one().state


def _job(app, job_id):
    with app_ctx(app), cross_tenant_scope():
        job = db.session.scalars(sa.select(ImportJob).where(ImportJob.id == job_id)).one()
        db.session.expunge(job)
        return job


def test_an_import_started_while_the_broker_is_down_still_runs(app, tenant_a, broker):
    """Starting the check published a task; with Redis down that raised, the page was a 500 and the
    import stayed "checking" for ever (it refuses a new start while it runs)."""
    with web_on(app, broker.url) as web:  # never started: the broker is down throughout
        officer = staff_client(web, "officer@alpha.test", "alpha", ["relations_officer"])
        job_id = _upload(officer, _csv([HEADER, *GOOD, *BAD]))
        response = _check(officer, job_id, _mapping(_job(app, job_id)))
        assert response.status_code == 302
        assert _wait_for(lambda: _state(app, job_id) == "checked"), _state(app, job_id)
        progress = officer.get(f"/alpha/staff/imports/{job_id}/progress").json
        assert progress["bad"] == 4 and progress["running"] is False
