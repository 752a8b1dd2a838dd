"""The embedded default's scheduler: a daemon thread that sends the due jobs to the same task,
run in-process (no broker, no worker), every `EMBEDDED_JOBS_TICK` seconds."""
from __future__ import annotations

import logging
import threading

log = logging.getLogger("wasl.jobs")


def tick(app) -> list:
    """Send every due job to the task once, in-process; returns what ran."""
    from core.models.base import utcnow
    from core.taskqueue import runner
    from core.taskqueue.app import TASK_NAME

    with app.app_context():
        names = runner.due_jobs(utcnow())
    # This app's own task: the shared task is bound to the Celery app made last in the process, which runs
    # jobs in that Flask app's context (another app's database, in a process that made two).
    task = app.extensions["celery"].tasks[TASK_NAME]
    return [task.apply(args=(name,)).get() for name in names]


def start(app) -> threading.Event:
    """Start the timer thread; set the returned event to stop it."""
    stop = threading.Event()
    interval = float(app.config.get("EMBEDDED_JOBS_TICK", 30))

    def loop():
        while not stop.is_set():
            try:
                tick(app)
            except Exception:  # noqa: BLE001 - keep the demo serving; the next tick tries again
                log.exception("embedded job tick failed")
            stop.wait(interval)

    threading.Thread(target=loop, name="wasl-jobs", daemon=True).start()
    return stop
