"""Staff routes: every list as CSV or XLSX, with the list's filters and only the role's fields."""
from flask import abort, g, request

from blueprints.staff.base import READERS, bp
from blueprints.staff.requests import list_filters
from core.exports import listings
from core.exports.operations import FORMATS, export, response
from core.extensions import db
from core.programs import MODULES as PROGRAM_MODULES
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
