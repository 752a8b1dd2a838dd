"""The Celery application, made the way Flask's documentation shows: tasks run inside the Flask app.

One task, `wasl.run_job`, runs any registered job by name; beat's schedule has an entry per job of
`core.jobs.REGISTRY` at its interval. Without a broker (the embedded default) tasks run eagerly in
the calling process.
"""
from __future__ import annotations

from datetime import timedelta

from celery import Celery, Task, shared_task
from flask import Flask

from core.jobs import REGISTRY

TASK_NAME = "wasl.run_job"


def beat_schedule() -> dict:
    return {name: {"task": TASK_NAME, "schedule": job.every, "args": (name,),
                   # a tick beat could not deliver is not worth running late: the next one comes
                   "options": {"expires": max(job.every, timedelta(seconds=30)).total_seconds()}}
            for name, job in sorted(REGISTRY.items())}


def celery_config(app: Flask) -> dict:
    broker = app.config.get("CELERY_BROKER_URL")
    return {
        "broker_url": broker or "memory://",
        "task_always_eager": not broker,
        "task_ignore_result": True,
        "task_acks_late": True,  # a worker that dies mid-task leaves it for another (jobs are idempotent)
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": beat_schedule(),
        "beat_schedule_filename": app.config["CELERY_BEAT_SCHEDULE_FILE"],
        "worker_hijack_root_logger": False,
    }


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


@shared_task(name=TASK_NAME, ignore_result=True)
def run_job(name: str) -> dict:
    """Run one registered job (beat sends one of these per job at the job's interval)."""
    from core.taskqueue import runner

    if name not in REGISTRY:
        return {"name": name, "status": "unknown"}
    outcome = runner.run_job(name)
    return {"name": outcome.name, "status": outcome.status, "changed": outcome.changed}
