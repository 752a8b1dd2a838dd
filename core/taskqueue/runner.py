"""Running registered jobs: one at a time per job (a lease in `job_runs`), each run recorded."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from core.extensions import db
from core.jobs import REGISTRY, Job
from core.models.base import utcnow
from core.taskqueue.models import JobRun

log = logging.getLogger("wasl.jobs")

#: A runner that dies mid-job frees it after this long (longer than any job should take).
LEASE = timedelta(minutes=30)


@dataclass
class Outcome:
    name: str
    #: ran | busy (another runner holds it) | failed | not_due
    status: str
    changed: int = 0
    error: str | None = None


def _ensure_row(name: str) -> None:
    db.session.execute(sa.text("INSERT INTO job_runs (name) VALUES (:name) ON CONFLICT (name) DO NOTHING"),
                       {"name": name})


def _take_lease(name: str, now: datetime) -> bool:
    _ensure_row(name)
    taken = db.session.execute(
        sa.update(JobRun).where(JobRun.name == name,
                                sa.or_(JobRun.running_until.is_(None), JobRun.running_until < now))
        .values(running_until=now + LEASE, last_started_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return taken.rowcount == 1


def _finish(name: str, changed: int | None, error: str | None) -> None:
    db.session.execute(sa.update(JobRun).where(JobRun.name == name).values(
        running_until=None, last_finished_at=utcnow(), last_changed=changed,
        last_error=None if error is None else error[:500]).execution_options(synchronize_session=False))
    db.session.commit()


def run_job(name: str, now: datetime | None = None) -> Outcome:
    """Run one registered job now, unless another runner is running it; the job commits its own work."""
    job: Job = REGISTRY[name]
    now = now or utcnow()
    if not _take_lease(name, now):
        return Outcome(name, "busy")
    try:
        # No request, so no visitor's language: what a job writes (timeline lines) is in the default one.
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ar")):
            changed = int(job.run(now) or 0)
    except Exception as exc:  # noqa: BLE001 - recorded, logged and reported; the next run tries again
        db.session.rollback()
        log.exception("job %s failed", name)
        _finish(name, None, f"{type(exc).__name__}: {exc}")
        return Outcome(name, "failed", error=f"{type(exc).__name__}: {exc}")
    _finish(name, changed, None)
    return Outcome(name, "ran", changed)


def is_due(job: Job, last_started_at: datetime | None, now: datetime) -> bool:
    return last_started_at is None or last_started_at + job.every <= now


def due_jobs(now: datetime) -> list[str]:
    """Names of the registered jobs whose interval has passed since they last started."""
    last = dict(db.session.execute(sa.select(JobRun.name, JobRun.last_started_at)).all())
    db.session.commit()
    return [name for name, job in sorted(REGISTRY.items()) if is_due(job, last.get(name), now)]


def run_due(now: datetime | None = None) -> list[Outcome]:
    """Run every due job once (what `wasl jobs run` and the embedded timer do)."""
    now = now or utcnow()
    return [run_job(name, now) for name in due_jobs(now)]


def status() -> list[tuple[Job, JobRun | None]]:
    runs = {r.name: r for r in db.session.scalars(sa.select(JobRun))}
    return [(job, runs.get(name)) for name, job in sorted(REGISTRY.items())]
