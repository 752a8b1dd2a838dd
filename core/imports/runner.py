"""Running an import away from the request, so the page can poll its progress.

With a broker (`CELERY_BROKER_URL`, or `REDIS_URL`) the run is a task on the task queue
(`wasl.run_import`), taken by a worker; without one (the embedded default) a background thread of
the web process runs the same function; `IMPORT_RUNNER = "inline"` runs it in the request (tests).

The broker unreachable when the person starts the run (Redis down or restarting): the run goes to a
background thread of this web process instead, as without a broker. The job is already marked running
when the task is sent, so a run that could not be sent would otherwise stay "running" for ever.
"""
import logging
import threading

from celery import shared_task
from flask import current_app
from kombu.exceptions import OperationalError as BrokerUnreachable

from core.extensions import db
from core.imports.models import ImportJob, ImportState
from core.imports.operations import run
from core.models.base import utcnow
from core.tenancy import tenant_scope

log = logging.getLogger(__name__)

TASK_NAME = "wasl.run_import"


def launch(tenant_id: int, job_id: int, apply: bool, locale: str) -> None:
    if current_app.config.get("IMPORT_RUNNER") == "inline":
        run(job_id, apply)
        return
    if current_app.config.get("CELERY_BROKER_URL"):
        try:
            run_import.delay(tenant_id, job_id, apply, locale)
            return
        except BrokerUnreachable as exc:
            log.warning("broker unreachable (%s): import %s of tenant %s runs in this process", exc, job_id,
                        tenant_id)
    app = current_app._get_current_object()
    threading.Thread(target=work, args=(app, tenant_id, job_id, apply, locale), daemon=True,
                     name=f"import-{tenant_id}-{job_id}").start()


@shared_task(name=TASK_NAME, ignore_result=True)
def run_import(tenant_id: int, job_id: int, apply: bool, locale: str) -> None:
    """The task queue's entry: one import (or its check) of one association."""
    work(current_app._get_current_object(), tenant_id, job_id, apply, locale)


def work(app, tenant_id: int, job_id: int, apply: bool, locale: str) -> None:
    # A request context in the person's language: the problems are written in it.
    with app.test_request_context(f"/?lang={locale}"), tenant_scope(tenant_id):
        try:
            run(job_id, apply)
        except Exception:
            log.exception("import %s of tenant %s failed", job_id, tenant_id)
            db.session.rollback()
            job = db.session.get(ImportJob, (tenant_id, job_id))
            if job is not None:
                job.state, job.failure, job.finished_at = ImportState.failed, "internal error", utcnow()
                db.session.commit()
        finally:
            db.session.remove()
