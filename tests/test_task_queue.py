"""The task queue: registered jobs run once per interval, never twice at once, on a real Redis broker too."""
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from core.extensions import db
from core.jobs import REGISTRY, job
from core.messaging import delivery
from core.messaging.models import OutboxMessage
from core.taskqueue import embedded, runner
from core.taskqueue.app import TASK_NAME, beat_schedule
from core.taskqueue.models import JobRun
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx
from tests.test_staff_helpers import open_file, open_request, staff_client

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def counting_job():
    """A job that counts its runs (and can be told to fail or to dawdle); removed after the test."""
    calls = {"n": 0, "fail": False, "sleep": 0.0}

    @job("test.counting", every=timedelta(hours=1))
    def counting(now):
        calls["n"] += 1
        time.sleep(calls["sleep"])
        if calls["fail"]:
            raise RuntimeError("boom")
        return 3

    yield calls
    REGISTRY.pop("test.counting", None)


def _run(app):
    return app.test_cli_runner().invoke(args=["jobs", "run"])


def test_jobs_run_runs_each_due_job_once_then_waits_for_its_interval(app, counting_job):
    with time_machine.travel(T0, tick=False):
        result = _run(app)
        assert result.exit_code == 0, result.output
        assert "test.counting" in result.output and "outbox.send" in result.output
        assert counting_job["n"] == 1
        again = _run(app)
        assert counting_job["n"] == 1 and "no job is due" in again.output
    with time_machine.travel(T0 + timedelta(minutes=59), tick=False):
        _run(app)
        assert counting_job["n"] == 1  # outbox.send (every minute) ran again; the hourly one did not
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        _run(app)
        assert counting_job["n"] == 2
    with app_ctx(app):
        run = db.session.get(JobRun, "test.counting")
        assert run.last_changed == 3 and run.running_until is None and run.last_error is None


def test_named_jobs_run_now_and_unknown_names_are_refused(app, counting_job):
    runner_cli = app.test_cli_runner()
    assert runner_cli.invoke(args=["jobs", "run", "test.counting"]).exit_code == 0
    assert runner_cli.invoke(args=["jobs", "run", "test.counting"]).exit_code == 0
    assert counting_job["n"] == 2
    bad = runner_cli.invoke(args=["jobs", "run", "no.such.job"])
    assert bad.exit_code != 0 and "unknown job" in bad.output
    listing = runner_cli.invoke(args=["jobs", "list"]).output
    assert "test.counting" in listing and "outbox.send" in listing


def test_a_failing_job_is_recorded_frees_its_lease_and_fails_the_command(app, counting_job):
    counting_job["fail"] = True
    result = app.test_cli_runner().invoke(args=["jobs", "run", "test.counting"])
    assert result.exit_code == 1 and "RuntimeError: boom" in result.output
    with app_ctx(app):
        run = db.session.get(JobRun, "test.counting")
        assert run.last_error == "RuntimeError: boom" and run.running_until is None
    counting_job["fail"] = False
    assert app.test_cli_runner().invoke(args=["jobs", "run", "test.counting"]).exit_code == 0


def test_two_runners_at_once_run_a_job_once(app, counting_job):
    counting_job["sleep"] = 0.5
    outcomes = []

    def one():
        with app.app_context():
            outcomes.append(runner.run_job("test.counting").status)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["busy", "ran"] and counting_job["n"] == 1


def test_a_lease_left_by_a_dead_runner_expires(app, counting_job):
    with app_ctx(app):
        db.session.add(JobRun(name="test.counting", running_until=T0 + timedelta(minutes=5)))
        db.session.commit()
        assert runner.run_job("test.counting", now=T0).status == "busy"
        assert runner.run_job("test.counting", now=T0 + timedelta(minutes=6)).status == "ran"


def test_beat_schedules_every_registered_job_at_its_interval(app, counting_job):
    schedule = beat_schedule()
    assert set(schedule) == set(REGISTRY)
    entry = schedule["test.counting"]
    assert entry["task"] == TASK_NAME and entry["args"] == ("test.counting",)
    assert entry["schedule"] == timedelta(hours=1)


def test_the_embedded_timer_runs_due_jobs_in_process_without_a_broker(app, counting_job):
    ran = embedded.tick(app)
    assert {"name": "test.counting", "status": "ran", "changed": 3} in ran
    assert all(r["name"] != "test.counting" for r in embedded.tick(app))  # not due again for an hour
    assert counting_job["n"] == 1


def test_the_embedded_timer_runs_jobs_in_its_own_app_when_the_process_made_another(app, counting_job, tmp_path):
    """Celery's shared task follows the Celery app made last; the timer must still run its own app's jobs
    (it ran them against the other app's database, which here has no tables at all)."""
    from core.app import create_app

    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.db'}"})
    ran = embedded.tick(app)
    assert {"name": "test.counting", "status": "ran", "changed": 3} in ran
    assert counting_job["n"] == 1
    with app_ctx(app):
        assert db.session.scalar(sa.select(JobRun.name).where(JobRun.name == "test.counting")) == "test.counting"


# --- outbox delivery as a task: never twice ----------------------------------------------------

class SlowFiles:
    """Records every message it is asked to send, slowly, so two runners overlap."""

    def __init__(self):
        self.sent = []
        self.lock = threading.Lock()

    def send(self, message):
        time.sleep(0.05)
        with self.lock:
            self.sent.append(message.id)


def _three_messages(app):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    for n, nid in enumerate(("1058529940", "1001244019", "1000000008")):
        file_id = open_file(officer, "alpha", national_id=nid, email=f"p{n}@example.com")
        open_request(officer, "alpha", file_id, "phone")


def test_two_outbox_runners_at_once_send_each_message_once(app, tenant_a):
    _three_messages(app)
    transport = SlowFiles()
    counts = []

    def one():
        with app.app_context():
            counts.append(delivery.send_pending(transport=transport)["sent"])

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(transport.sent) == sorted(set(transport.sent)) and len(transport.sent) == 3
    assert sum(counts) == 3
    with app_ctx(app), cross_tenant_scope():
        assert set(db.session.scalars(sa.select(OutboxMessage.status))) == {"sent"}


def test_a_message_claimed_by_a_runner_that_died_is_sent_after_the_lease(app, tenant_a):
    _three_messages(app)
    with app_ctx(app), cross_tenant_scope():
        first = db.session.scalar(sa.select(OutboxMessage.id).order_by(OutboxMessage.id))
        assert [m.id for m in delivery._claim([first])] == [first]  # … and the runner dies here
    transport = SlowFiles()
    with app_ctx(app):
        assert delivery.send_pending(transport=transport)["sent"] == 2
    assert first not in transport.sent
    later = datetime.now(UTC) + delivery.CLAIM_LEASE + timedelta(minutes=1)
    with time_machine.travel(later, tick=False), app_ctx(app):
        assert delivery.send_pending(transport=transport)["sent"] == 1
    assert transport.sent.count(first) == 1


# --- a real broker -------------------------------------------------------------------------------

def _broker_or_skip(app):
    url = app.config.get("CELERY_BROKER_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must run the task tests on a broker: set CELERY_BROKER_URL (see .ci/run)")
        pytest.skip("no Redis broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/N to run it")
    return url


@pytest.fixture
def worker(app):
    """A Celery worker thread consuming from the configured Redis broker, in this test's app."""
    _broker_or_skip(app)
    from celery.contrib.testing.worker import start_worker

    celery_app = app.extensions["celery"]
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield celery_app


def _wait_for(predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_worker_on_the_redis_broker_runs_the_outbox_task_once_even_if_sent_twice(app, tenant_a, worker,
                                                                                  monkeypatch, tmp_path):
    from core.taskqueue.app import run_job

    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))

    _three_messages(app)
    run_job.delay("outbox.send")
    run_job.delay("outbox.send")  # beat and cron both sent it: the second finds nothing to send

    def statuses():
        with app_ctx(app), cross_tenant_scope():
            return list(db.session.scalars(sa.select(OutboxMessage.status)))

    assert _wait_for(lambda: statuses() == ["sent"] * 3), statuses()
    with app_ctx(app), cross_tenant_scope():
        assert set(db.session.scalars(sa.select(OutboxMessage.attempts))) == {1}
    assert len(list(tmp_path.glob("*.eml"))) == 3
