"""Grievances on the portal: /<slug>/complaints/new and /<slug>/complaints/status (module `grievances`)."""
from flask import abort, g, redirect, render_template, request, url_for

from blueprints.portal import access
from blueprints.portal.views import bp
from core.beneficiaries.errors import FormErrors
from core.extensions import db
from core.grievances import operations, rules
from core.grievances.models import Complaint
from core.grievances.states import ComplaintState
from core.i18n import locale_code
from core.models.keys import get_in_tenant


@bp.before_request
def _module_on():
    if request.endpoint and request.endpoint.startswith("portal.complaint") and not operations.enabled(g.tenant):
        abort(404)


def _form_page(status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("error", None)
    context.setdefault("values", {})
    return render_template("portal/complaint_new.html", window=rules.FILING_WINDOW_DAYS,
                           working_days=rules.DECISION_WORKING_DAYS, **context), status


@bp.route("/complaints/new", methods=["GET", "POST"])
@access.limited
def complaint_new():
    if request.method == "GET":
        return _form_page(values={"request_reference": request.args.get("reference", "")})
    try:
        complaint = operations.file_complaint(g.tenant, request.form, request.files.getlist("attachments"),
                                              language=locale_code())
    except FormErrors as exc:
        db.session.rollback()
        return _form_page(422, errors=exc.errors, error=exc.message, values=request.form.to_dict())
    db.session.commit()
    access.grant("complaint", complaint.id)
    return redirect(url_for("portal.complaint_status"))


def _lookup_page(status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("error", None)
    context.setdefault("values", {})
    return render_template("portal/complaint_lookup.html", **context), status


@bp.route("/complaints/status", methods=["GET", "POST"])
@access.limited
def complaint_status():
    g.personal_data = True
    if request.method == "GET":
        ident = access.granted("complaint")
        complaint = get_in_tenant(Complaint, ident) if ident else None
        if complaint is None or request.args.get("other"):
            return _lookup_page()
        return _show(complaint)
    mode = request.form.get("mode", "mobile")
    mode = mode if mode in ("mobile", "code", "send_code") else "mobile"
    try:
        found = operations.find_complaint(g.tenant, request.form, mode)
    except FormErrors as exc:
        db.session.commit() if mode == "code" else db.session.rollback()  # a wrong code counts as a try
        return _lookup_page(422, errors=exc.errors, error=exc.message, values=request.form.to_dict(),
                            code_sent=mode == "code")
    db.session.commit()
    if found is None:
        return _lookup_page(values=request.form.to_dict(), code_sent=True)
    access.grant("complaint", found.id)
    return redirect(url_for("portal.complaint_status"))


def _show(complaint):
    filed_on = complaint.submitted_at
    from core.calendar import local_date

    holidays = rules.holidays_counted(g.tenant, local_date(filed_on), complaint.decision_due)
    return render_template("portal/complaint_status.html", c=complaint, ComplaintState=ComplaintState,
                           holidays=holidays, working_days=rules.DECISION_WORKING_DAYS)
