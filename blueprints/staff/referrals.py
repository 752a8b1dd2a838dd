"""Staff routes: referrals (asked from a file, answered by the referral role) and contact logging."""
import sqlalchemy as sa
from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from blueprints.staff.base import EDITORS, READERS, REFERRERS, bp, done, get_or_404, refused, show
from core.beneficiaries.errors import WorkflowError
from core.beneficiaries.models import Beneficiary
from core.confidentiality import access
from core.extensions import db
from core.roles import Role
from core.web import roles_required
from core.workflow import operations, referrals
from core.workflow.models import Referral


def _back_to_file(beneficiary_id, failed):
    from blueprints.staff.beneficiaries import _detail, _load

    def render(**context):
        db.session.rollback()
        return _detail(_load(beneficiary_id), failed=failed, **context)

    return render


@bp.post("/beneficiaries/<int:beneficiary_id>/referrals")
@roles_required(*REFERRERS)
def refer(beneficiary_id: int):
    beneficiary = get_or_404(Beneficiary, beneficiary_id)
    access.require(beneficiary)
    try:
        referrals.refer(g.tenant, beneficiary, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, _back_to_file(beneficiary_id, "refer"), values=request.form.to_dict())
    return done(_("The question was referred."), "staff.beneficiary", beneficiary_id=beneficiary_id)


@bp.post("/beneficiaries/<int:beneficiary_id>/contacts")
@roles_required(*EDITORS)
def log_contact(beneficiary_id: int):
    beneficiary = get_or_404(Beneficiary, beneficiary_id)
    access.require(beneficiary)
    try:
        operations.log_contact(g.tenant, beneficiary, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, _back_to_file(beneficiary_id, "contact"), values=request.form.to_dict())
    return done(_("The contact was recorded."), "staff.beneficiary", beneficiary_id=beneficiary_id)


def _inbox(**context):
    query = (sa.select(Referral).options(joinedload(Referral.beneficiary), joinedload(Referral.asked_by),
                                         joinedload(Referral.answered_by), joinedload(Referral.request)))
    open_ = db.session.scalars(query.where(Referral.answered_at.is_(None)).order_by(Referral.asked_at)).all()
    answered = db.session.scalars(query.where(Referral.answered_at.is_not(None))
                                  .order_by(Referral.answered_at.desc()).limit(20)).all()
    from core.i18n import locale_code

    return show("staff/referrals.html", open_referrals=open_, answered=answered,
                role_label=referrals.referral_label(g.tenant, locale_code()),
                may_answer=Role.referral_officer in g.roles, values=context.pop("values", {}), **context)


@bp.get("/referrals")
@roles_required(*READERS)
def referral_inbox():
    return _inbox()


@bp.post("/referrals/<int:referral_id>/answer")
@roles_required(Role.referral_officer)
def answer_referral(referral_id: int):
    referral = get_or_404(Referral, referral_id)
    try:
        referrals.answer(referral, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        def render(**context):
            db.session.rollback()
            return _inbox(failed=referral_id, **context)

        return refused(exc, render, values=request.form.to_dict())
    if referral is None:
        abort(404)
    return done(_("The answer was recorded."), "staff.referral_inbox")
