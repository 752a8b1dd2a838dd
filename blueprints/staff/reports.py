"""Staff routes: the association's dashboard (charts with their tables) and its PDF for the board."""
from dataclasses import asdict

from flask import g, render_template, request

from blueprints.staff.base import bp, show
from core import audit
from core.beneficiaries.errors import FormErrors
from core.extensions import db
from core.i18n import locale_code, text_direction
from core.models.base import utcnow
from core.policy import pdf
from core.reports import periods
from core.reports.figures import request_summary
from core.reports.programs import program_figures
from core.reports.welfare import complaint_figures, file_figures, satisfaction_figures
from core.roles import STAFF_ROLES, Role
from core.web import roles_required

#: Counts only, no personal data: every member may see them, the administrator included.
MEMBERS = tuple(Role)


def _figures():
    period = periods.parse(request.args)
    summary = request_summary(g.tenant, period)
    summary.complaints, complaints = complaint_figures(g.tenant, period)
    summary.figures += complaints + satisfaction_figures(g.tenant, period) + file_figures(g.tenant, period)
    summary.figures += program_figures(g.tenant, period)
    return period, summary


def _form_values():
    return {"calendar": request.args.get("calendar") or "gregorian", "from": request.args.get("from", ""),
            "to": request.args.get("to", "")}


def _bad_period(exc: FormErrors):
    return show("staff/reports.html", period=None, summary=None, errors=exc.errors, values=_form_values(),
                staff_nav=bool(g.roles & STAFF_ROLES)), 422


@bp.get("/reports")
@roles_required(*MEMBERS)
def reports():
    try:
        period, summary = _figures()
    except FormErrors as exc:
        return _bad_period(exc)
    values = {**period.as_args(), **{k: v for k, v in _form_values().items() if v}}
    return show("staff/reports.html", period=period, summary=summary, values=values,
                charts=[asdict(f) for f in summary.figures], staff_nav=bool(g.roles & STAFF_ROLES))


@bp.get("/reports.pdf")
@roles_required(*MEMBERS)
def reports_pdf():
    try:
        period, summary = _figures()
    except FormErrors as exc:
        return _bad_period(exc)
    html = render_template("staff/reports_pdf.html", tenant=g.tenant, period=period, summary=summary,
                           rtl=text_direction() == "rtl", lang=locale_code(), made_at=utcnow())
    audit.record("report.pdf", object_type="Report", after=period.as_args())
    db.session.commit()
    return pdf.response(html, f"{g.tenant.slug}-report-{period.months[0].key}-{period.months[-1].key}.pdf")
