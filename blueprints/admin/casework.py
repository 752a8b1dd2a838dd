"""Admin routes for casework rules: who may open a file, the verification checklist, the service controls'
numbers, and the annual data-update campaigns."""
import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.views import bp
from core import tenant_settings
from core.beneficiaries.errors import WorkflowError
from core.catalog import FILE_ACCESS, VERIFICATION_STEP_KINDS
from core.confidentiality.access import FILE_ACCESS_LABELS, file_access
from core.eligibility import checklist
from core.extensions import db
from core.lifecycle import operations as lifecycle
from core.lifecycle.models import FileUpdate, UpdateCampaign
from core.modules import enabled
from core.roles import Role
from core.tenant_files import TenantFileError
from core.validation import translate
from core.web import roles_required

BLANK_ROWS = 3


def _rows_from_form() -> list[dict]:
    rows = []
    codes = request.form.getlist("code")
    for i, code in enumerate(codes):
        label_ar = request.form.getlist("label_ar")[i].strip()
        label_en = request.form.getlist("label_en")[i].strip()
        if not (code.strip() or label_ar or label_en):
            continue  # a blank row left as it was
        required_for = [c.strip() for c in request.form.getlist("required_for")[i].split(",") if c.strip()]
        rows.append({"code": code.strip(), "label_ar": label_ar, "label_en": label_en,
                     "kind": request.form.getlist("kind")[i], "required_for": required_for})
    return rows


def _render(status=200, problems=(), rows=None, values=None):
    settings = g.tenant.settings or {}
    controls = settings.get("service_controls") or {}
    return render_template(
        "admin/casework.html", tenant=g.tenant, file_access=file_access(g.tenant), access_options=FILE_ACCESS,
        access_labels=FILE_ACCESS_LABELS, kinds=VERIFICATION_STEP_KINDS, kind_labels=checklist.STEP_KINDS,
        rows=rows if rows is not None else checklist.as_settings(checklist.steps(g.tenant)), blank=BLANK_ROWS,
        controls=values or {"late_documents_freeze_months": controls.get("late_documents_freeze_months", 1),
                            "unreported_change_freeze_months": controls.get("unreported_change_freeze_months", 3),
                            "disclose_name_to_other_associations":
                                controls.get("disclose_name_to_other_associations", False)},
        problems=list(problems), module_on=lambda code: enabled(g.tenant, code)), status


@bp.route("/casework", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def casework():
    if request.method == "GET":
        return _render()
    section = request.form.get("section")
    if section == "access":
        changes = {"file_access": request.form.get("file_access", "")}
    elif section == "checklist":
        rows = [] if request.form.get("reset") else _rows_from_form()
        changes = {"verification_steps": rows}
    elif section == "controls":
        changes = {"service_controls": {
            "late_documents_freeze_months": request.form.get("late_documents_freeze_months", ""),
            "unreported_change_freeze_months": request.form.get("unreported_change_freeze_months", ""),
            "disclose_name_to_other_associations": request.form.get("disclose") == "1"}}
    else:
        return _render(400)
    changes = _numbers(changes)
    try:
        changed = tenant_settings.update(g.tenant, changes)
    except TenantFileError as exc:
        db.session.rollback()
        return _render(422, [(k, translate(m)) for k, m in exc.problems], rows=changes.get("verification_steps"),
                       values=changes.get("service_controls"))
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
    return redirect(url_for("admin.casework"))


def _numbers(changes: dict) -> dict:
    """Typed numbers (Arabic-Indic digits too) as integers; anything else is left for the schema to refuse."""
    from core.arabic import normalise

    controls = changes.get("service_controls")
    for key in ("late_documents_freeze_months", "unreported_change_freeze_months"):
        if controls and str(controls[key]).strip():
            text = normalise(str(controls[key])).strip()
            controls[key] = int(text) if text.isdigit() and len(text) < 4 else text
    return changes


# --- annual data-update campaigns ----------------------------------------------------------------

@bp.route("/updates", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def update_campaigns():
    if not enabled(g.tenant, "service_controls"):
        abort(404)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            campaign = lifecycle.open_campaign(g.tenant, request.form, current_user)
        except WorkflowError as exc:
            db.session.rollback()
            errors, status = getattr(exc, "errors", {}), 422
        else:
            db.session.commit()
            flash(_("Campaign “{title}” opened.").format(title=campaign.title), "success")
            return redirect(url_for("admin.update_campaigns"))
    campaigns = db.session.scalars(sa.select(UpdateCampaign).order_by(UpdateCampaign.id.desc())).all()
    counts = {cid: (total, done) for cid, total, done in db.session.execute(
        sa.select(FileUpdate.campaign_id, sa.func.count(FileUpdate.id), sa.func.count(FileUpdate.done_at))
        .group_by(FileUpdate.campaign_id))}
    return render_template("admin/update_campaigns.html", tenant=g.tenant, campaigns=campaigns, counts=counts,
                           errors=errors, values=request.form.to_dict() if errors else {}), status
