"""API: complaints (module `grievances`), read only, as confidential as on the pages.

Who sees a complaint is the pages' rule (`core.grievances.operations.visible_to` / `may_open`): the
executive director, the association's administrators and the people added to that complaint; anyone else
gets an empty list and 404. Only the executive director, who handles complaints, gets the complainant's
identity and the complaint's content; the others get its reference, subject, state and dates. Every read
of one complaint is audited, as a view on the page is. Where the module is off every path here is 404.
"""
import sqlalchemy as sa
from flask import abort, g, jsonify
from flask_login import current_user
from marshmallow import Schema, fields, validate

from blueprints.api.base import PageArgs, api_blueprint, documented, load
from core.extensions import db
from core.grievances import operations
from core.grievances.models import Complaint
from core.grievances.schemas import NOTIFY_VIA, OUTCOMES
from core.grievances.states import OPEN_STATES, ComplaintState
from core.roles import Role
from core.workflow.deadlines import today
from core.workflow.queries import keyset_page

bp = api_blueprint("complaints", "Complaints and grievances (التظلمات والشكاوى): confidential, read only")

Str = lambda **kw: fields.String(allow_none=True, **kw)  # noqa: E731

#: The complainant's identity and the complaint's content: the executive director's only.
CONFIDENTIAL = frozenset({"name", "national_id", "mobile", "email", "beneficiary_id", "facts", "against", "harm",
                          "reasons", "previous_steps", "requested", "other_information", "request_reference",
                          "late_excuse", "decision", "closing_note", "investigation_reason"})


class ComplaintSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(list(ComplaintState)))
    received_via = fields.String(validate=validate.OneOf(("portal", "sealed_envelope")))
    subject = fields.String()
    event_date = fields.Date()
    submitted_at = fields.DateTime()
    decision_due = fields.Date(metadata={"description": "15 working days after filing"})
    overdue = fields.Boolean(metadata={"description": "Not decided and past the due date"})
    outcome = Str(metadata={"description": "One of: " + ", ".join(OUTCOMES)})
    decided_at = fields.DateTime(allow_none=True)
    notified_at = fields.DateTime(allow_none=True)
    notified_via = Str(metadata={"description": "One of: " + ", ".join(NOTIFY_VIA)})
    closed_at = fields.DateTime(allow_none=True)
    excuse_accepted = fields.Boolean(allow_none=True)
    version = fields.Integer(required=True)
    # The executive director's only:
    name = fields.String(metadata={"description": "Executive director only (as every field below)"})
    national_id = fields.String()
    mobile = fields.String()
    email = Str()
    beneficiary_id = fields.Integer(allow_none=True)
    facts = fields.String()
    against = fields.String()
    harm = fields.String()
    reasons = fields.String()
    previous_steps = fields.String()
    requested = fields.String()
    other_information = Str()
    request_reference = Str()
    late_excuse = Str()
    decision = Str()
    closing_note = Str()
    investigation_reason = Str()


class ComplaintPage(Schema):
    items = fields.List(fields.Nested(ComplaintSchema), required=True)
    next_after = fields.Integer(allow_none=True, required=True)


class ComplaintFilters(Schema):
    state = fields.String(validate=validate.OneOf(list(ComplaintState)))
    received_via = fields.String(validate=validate.OneOf(("portal", "sealed_envelope")))
    overdue = fields.Boolean(metadata={"description": "Only complaints not decided within 15 working days"})


@bp.before_request
def grievances_module():
    if not operations.enabled(g.tenant):
        abort(404)


def _dump(rows, many=False):
    hidden = () if Role.executive_director in g.roles else tuple(CONFIDENTIAL)
    now = today()
    for row in rows if many else [rows]:
        row.overdue = row.state in OPEN_STATES and row.decision_due < now
    return ComplaintSchema(exclude=hidden, many=many).dump(rows)


@bp.get("/complaints")
@bp.arguments(ComplaintFilters, location="query")
@bp.arguments(PageArgs, location="query")
@bp.response(200, ComplaintPage)
@documented(bp, 404, 422)
def list_complaints(filters, paging):
    """The complaints the token's user may open, newest first (the others are not listed)."""
    query = sa.select(Complaint).where(operations.visible_to(current_user, g.roles))
    if filters.get("state"):
        query = query.where(Complaint.state == filters["state"])
    if filters.get("received_via"):
        query = query.where(Complaint.received_via == filters["received_via"])
    if "overdue" in filters:
        condition = operations.overdue_condition(today())
        query = query.where(condition if filters["overdue"] else sa.not_(condition))
    page = keyset_page(query, Complaint.id, paging.get("after"), paging["limit"])
    return jsonify({"items": _dump(page.rows, many=True), "next_after": page.next_after})


@bp.get("/complaints/<int:complaint_id>")
@bp.response(200, ComplaintSchema)
@documented(bp, 404)
def get_complaint(complaint_id):
    """One complaint, if the token's user may open it (404 otherwise, its existence not confirmed). Audited."""
    complaint = load(Complaint, complaint_id)
    if not operations.may_open(complaint, current_user, g.roles):
        abort(404)
    operations.record_view(complaint)
    body = _dump(complaint)
    db.session.commit()
    return jsonify(body)
