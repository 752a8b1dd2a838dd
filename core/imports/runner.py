"""Running an import away from the request, so the page can poll its progress.

`IMPORT_RUNNER` = `thread` (default): a background thread of the web process; `inline`: in the request
itself (tests, scripts). When the task queue arrives (core.jobs' runner), `launch` hands it the same
`run(job_id, apply)`.
"""
import logging
import threading

from flask import current_app

from core.extensions import db
from core.imports.models import ImportJob, ImportState
from core.imports.operations import run
from core.models.base import utcnow
from core.tenancy import tenant_scope

log = logging.getLogger(__name__)


def launch(tenant_id: int, job_id: int, apply: bool, locale: str) -> None:
    if current_app.config.get("IMPORT_RUNNER", "thread") == "inline":
        run(job_id, apply)
        return
    app = current_app._get_current_object()
    threading.Thread(target=_work, args=(app, tenant_id, job_id, apply, locale), daemon=True,
                     name=f"import-{tenant_id}-{job_id}").start()


def _work(app, tenant_id: int, job_id: int, apply: bool, locale: str) -> None:
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
