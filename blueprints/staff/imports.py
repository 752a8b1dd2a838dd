"""Staff routes: bulk import of files and household members (upload, map, dry run, import, progress)."""
from flask import abort, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff.base import EDITORS, bp, done, get_or_404, refused, show
from core.beneficiaries.errors import WorkflowError
from core.exports import tables
from core.extensions import db
from core.i18n import locale_code
from core.imports import operations, runner
from core.imports.columns import TARGETS
from core.imports.models import ImportJob, ImportKind, ImportState
from core.roles import STAFF_ROLES, Role
from core.web import roles_required

IMPORTERS = (*EDITORS, Role.tenant_admin)
SHOWN_PROBLEMS = 200


def _list(**context):
    context.setdefault("values", {})
    return show("staff/imports.html", jobs=operations.recent(), kinds=list(ImportKind),
                staff_nav=bool(g.roles & STAFF_ROLES), **context)


@bp.get("/imports")
@roles_required(*IMPORTERS)
def imports():
    return _list()


@bp.post("/imports")
@roles_required(*IMPORTERS)
def upload_import():
    try:
        job = operations.upload(g.tenant, request.files.get("file"), request.form.get("kind", ""), current_user)
    except WorkflowError as exc:
        return refused(exc, _list, values=request.form.to_dict())
    return done(_("The file was uploaded: check the columns, then run the check."), "staff.import_detail",
                import_id=job.id)


def _detail(job, **context):
    context.setdefault("values", {})
    return show("staff/import.html", job=job, targets=TARGETS[job.kind], ImportState=ImportState,
                problems=operations.problems_of(job, SHOWN_PROBLEMS), shown=SHOWN_PROBLEMS,
                running=job.state in operations.RUNNING, staff_nav=bool(g.roles & STAFF_ROLES), **context)


@bp.get("/imports/<int:import_id>")
@roles_required(*IMPORTERS)
def import_detail(import_id: int):
    return _detail(get_or_404(ImportJob, import_id))


def _start(import_id: int, apply: bool):
    job = get_or_404(ImportJob, import_id)
    try:
        if not apply:
            operations.set_mapping(job, request.form)
        operations.start(job, apply)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _detail(get_or_404(ImportJob, import_id), **c),
                       values=request.form.to_dict())
    db.session.commit()
    runner.launch(g.tenant.id, job.id, apply, locale_code())
    return done(_("The import is running.") if apply else _("The check is running."), "staff.import_detail",
                import_id=import_id)


@bp.post("/imports/<int:import_id>/check")
@roles_required(*IMPORTERS)
def check_import(import_id: int):
    return _start(import_id, apply=False)


@bp.post("/imports/<int:import_id>/run")
@roles_required(*IMPORTERS)
def run_import(import_id: int):
    return _start(import_id, apply=True)


@bp.get("/imports/<int:import_id>/progress")
@roles_required(*IMPORTERS)
def import_progress(import_id: int):
    """What the page polls while the job runs."""
    job = get_or_404(ImportJob, import_id)
    return jsonify(state=job.state, processed=job.processed_rows, total=job.total_rows, bad=job.bad_rows,
                   created=job.created_count, existing=job.existing_count,
                   running=job.state in operations.RUNNING)


@bp.get("/imports/<int:import_id>/problems.csv")
@roles_required(*IMPORTERS)
def import_problems(import_id: int):
    """Every bad row of the last check or import: row, column, message."""
    job = get_or_404(ImportJob, import_id)
    if job.state in operations.RUNNING:
        abort(409)
    rows = ((p.row_number, p.column, p.message) for p in operations.problems_of(job))
    content = tables.to_csv([_("Row"), _("Column"), _("Problem")], rows)
    return content, 200, {"Content-Type": tables.CONTENT_TYPES["csv"],
                          "Content-Disposition": f'attachment; filename="import-{job.id}-problems.csv"'}
