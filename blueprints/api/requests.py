"""API: support requests (intake, the state machine's actions) and referrals."""
import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from blueprints.api.base import (
    EDITORS,
    READERS,
    REFERRERS,
    PageArgs,
    api_blueprint,
    as_form,
    documented,
    load,
    out,
    page_out,
    roles,
)
from blueprints.api.schemas import (
    ACTIONS,
    ActionInput,
    AnswerInput,
    ReferralFilters,
    ReferralInput,
    ReferralPage,
    ReferralSchema,
    RequestDetailSchema,
    RequestFilters,
    RequestInput,
    RequestPage,
    RequestSchema,
)
from core.beneficiaries.models import Beneficiary
from core.extensions import db
from core.roles import Role
from core.workflow import operations, queries, referrals
from core.workflow.models import Referral, SupportRequest
from core.workflow.states import Action, possible

bp = api_blueprint("requests", "Support requests (طلبات الدعم) and their state machine")
referrals_bp = api_blueprint("referrals", "Referrals to the association's referral role (الإحالات)")


def _with_actions(request: SupportRequest) -> SupportRequest:
    request.actions = [str(a) for a in possible(request.state, g.roles)]
    return request


def _detail(request: SupportRequest, status: int = 200):
    _with_actions(request).documents_out = operations.documents_of(request)
    return out(RequestDetailSchema, request, "request", status=status)


@bp.get("/requests")
@bp.arguments(RequestFilters, location="query")
@bp.arguments(PageArgs, location="query")
@bp.response(200, RequestPage)
@documented(bp, 403, 422)
@roles(*READERS)
def list_requests(filters, paging):
    """Requests, newest first, with the same filters as the staff list."""
    result = queries.list_requests(state=filters.get("state"), channel=filters.get("channel"),
                                   category=filters.get("category"), researcher_id=filters.get("researcher_id"),
                                   overdue=bool(filters.get("overdue")), after=paging.get("after"),
                                   size=paging["limit"])
    for row in result.rows:
        _with_actions(row)
    return page_out(RequestSchema, result, "request")


@bp.post("/beneficiaries/<int:beneficiary_id>/requests")
@bp.arguments(RequestInput)
@bp.response(201, RequestDetailSchema)
@documented(bp, 403, 404, 422)
@roles(*EDITORS)
def open_request(data, beneficiary_id):
    """Receive a request for the file, through one of the association's channels."""
    beneficiary = load(Beneficiary, beneficiary_id)
    request = operations.open_request(g.tenant, beneficiary, as_form(data), current_user._get_current_object())
    db.session.commit()
    return _detail(request, status=201)


@bp.get("/requests/<int:request_id>")
@bp.response(200, RequestDetailSchema)
@documented(bp, 403, 404)
@roles(*READERS)
def get_request(request_id):
    """One request with its documents checklist and the actions the token may take. Audited."""
    request = load(SupportRequest, request_id)
    from core import audit

    audit.record("request.view", request, after={"reference": request.reference, "via": "api"})
    response = _detail(request)
    db.session.commit()
    return response


@bp.post("/requests/<int:request_id>/actions/<string:action>")
@bp.arguments(ActionInput)
@bp.response(200, RequestDetailSchema)
@documented(bp, 403, 404, 409, 422)
@roles(*READERS)
def request_action(data, request_id, action):
    """Move the request by one action of its state machine.

    Actions: check_documents, declare, send_to_review, accept, reject, register, serve, close, withdraw.

    409 when the action is not possible in the request's state or the version is stale; 403 when the
    token's roles may not take it; 422 with a field map for missing or bad fields.
    """
    if action not in ACTIONS:
        abort(404)
    request = load(SupportRequest, request_id)
    operations.apply_action(g.tenant, request, Action(action), as_form(data), current_user._get_current_object(),
                            g.roles)
    db.session.commit()
    return _detail(request)


# --- referrals -----------------------------------------------------------------------------------

@referrals_bp.get("/referrals")
@referrals_bp.arguments(ReferralFilters, location="query")
@referrals_bp.arguments(PageArgs, location="query")
@referrals_bp.response(200, ReferralPage)
@documented(referrals_bp, 403, 422)
@roles(*READERS)
def list_referrals(filters, paging):
    """Referrals, newest first; `answered=false` for the open ones."""
    query = sa.select(Referral)
    if "answered" in filters:
        query = query.where(Referral.answered_at.is_not(None) if filters["answered"] else
                            Referral.answered_at.is_(None))
    return page_out(ReferralSchema, queries.keyset_page(query, Referral.id, paging.get("after"), paging["limit"]),
                    "referral")


@referrals_bp.post("/beneficiaries/<int:beneficiary_id>/referrals")
@referrals_bp.arguments(ReferralInput)
@referrals_bp.response(201, ReferralSchema)
@documented(referrals_bp, 403, 404, 422)
@roles(*REFERRERS)
def refer(data, beneficiary_id):
    """Refer a question about the file (or one of its requests) to the referral role."""
    referral = referrals.refer(g.tenant, load(Beneficiary, beneficiary_id), as_form(data),
                               current_user._get_current_object())
    db.session.commit()
    return out(ReferralSchema, referral, "referral", status=201)


@referrals_bp.post("/referrals/<int:referral_id>/answer")
@referrals_bp.arguments(AnswerInput)
@referrals_bp.response(200, ReferralSchema)
@documented(referrals_bp, 403, 404, 409, 422)
@roles(Role.referral_officer)
def answer(data, referral_id):
    """Answer an open referral (the referral role only); 409 if it was already answered."""
    referral = load(Referral, referral_id)
    referrals.answer(referral, as_form(data), current_user._get_current_object())
    db.session.commit()
    return out(ReferralSchema, referral, "referral")
