"""Staff routes: every list as CSV or XLSX, with the list's filters and only the role's fields."""
from flask import abort, g, request
from flask_login import current_user

from blueprints.staff.base import READERS, bp
from blueprints.staff.requests import list_filters
from core.exports import listings
from core.exports.operations import FORMATS, export, response
from core.extensions import db
from core.programs import MODULES as PROGRAM_MODULES
from core.roles import Role
from core.web import arg_id, module_required, roles_required
from core.workflow import queries


def _send(listing, rows, fmt, filters):
    if fmt not in FORMATS:
        abort(404)
    result = export(g.tenant, listing, rows, g.roles, fmt, filters)
    db.session.commit()
    return response(result)


@bp.get("/exports/beneficiaries.<fmt>")
@roles_required(*READERS)
def export_beneficiaries(fmt: str):
    filters = {"category": request.args.get("category") or None,
               "researcher_id": arg_id("researcher")}
    rows = listings.beneficiary_rows(queries.beneficiaries_query(**filters))
    return _send(listings.BENEFICIARIES, rows, fmt, filters)


@bp.get("/exports/requests.<fmt>")
@roles_required(*READERS)
def export_requests(fmt: str):
    filters = list_filters(request.args)
    return _send(listings.REQUESTS, listings.request_rows(queries.requests_query(**filters)), fmt, filters)


@bp.get("/exports/referrals.<fmt>")
@roles_required(*READERS)
def export_referrals(fmt: str):
    answered = {"1": True, "0": False}.get(request.args.get("answered", ""))
    rows = listings.referral_rows(listings.referrals_query(answered))
    return _send(listings.REFERRALS, rows, fmt, {"answered": answered})


@bp.get("/exports/programs.<fmt>")
@module_required(*PROGRAM_MODULES)
@roles_required(*READERS)
def export_programs(fmt: str):
    state = request.args.get("state") or None
    return _send(listings.PROGRAMS, listings.program_rows(state), fmt, {"state": state})


@bp.get("/exports/complaints.<fmt>")
@module_required("grievances")
@roles_required(*tuple(Role))
def export_complaints(fmt: str):
    """The complaints list as the user sees it (only the complaints they may open); the complainant's identity
    for the executive director only."""
    from core.grievances.states import ComplaintState

    state = request.args.get("state") if request.args.get("state") in set(ComplaintState) else None
    filters = {"overdue": request.args.get("overdue") == "1", "state": state}
    rows = listings.complaint_rows(current_user._get_current_object(), g.roles, **filters)
    return _send(listings.COMPLAINTS, rows, fmt, filters)


@bp.get("/exports/surveys.<fmt>")
@roles_required(*READERS, Role.tenant_admin)
def export_surveys(fmt: str):
    """The survey results page's tables, one row per group: answers and average, never who answered."""
    from blueprints.staff.surveys import result_sections

    start, end = _month_arg("from"), _month_arg("to")
    rows = [(title, label, row.responses, row.average)
            for _id, title, _first, groups in result_sections(start, end) for label, row in groups]
    return _send(listings.SURVEYS, rows, fmt, {"from": request.args.get("from"), "to": request.args.get("to")})


def _month_arg(name):
    """A YYYY-MM query argument as the month's first day (None when absent: the whole history); 400 if bad."""
    import re
    from datetime import date

    from core.digits import ascii_digits

    raw = ascii_digits(request.args.get(name) or "").strip()
    if not raw:
        return None
    match = re.fullmatch(r"([1-9][0-9]{3})-(0[1-9]|1[0-2])", raw)
    if not match:
        abort(400)
    return date(int(match.group(1)), int(match.group(2)), 1)
