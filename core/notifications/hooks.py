"""Notifications made where the events happen: receivers of the workflow's signals."""
from core.notifications.operations import holders_of, notify
from core.roles import Role
from core.signals import referral_answered, referral_asked, request_changed
from core.workflow.states import Action


def deciders(request) -> list[int]:
    """Who must decide the request: the manager it was sent to, or every member of the committee."""
    if request.review_body == "manager" and request.manager_id:
        return [request.manager_id]
    return holders_of(Role.reviewer)


@referral_asked.connect
def referral_for_the_referral_role(tenant, referral, actor, **_kw):
    notify(holders_of(Role.referral_officer), "referral_new", actor=actor, beneficiary_id=referral.beneficiary_id,
           referral_id=referral.id, request=_request(referral))


@referral_answered.connect
def answer_for_the_one_who_asked(sender, referral, actor, **_kw):
    notify([referral.asked_by_id], "referral_answered", actor=actor, beneficiary_id=referral.beneficiary_id,
           referral_id=referral.id, request=_request(referral))


@request_changed.connect
def decision_for_the_deciders(tenant, request, action, actor, **_kw):
    if action == Action.send_to_review:
        notify(deciders(request), "decision_waiting", actor=actor, request=request, due_on=request.decision_due,
               dedup_key=f"decision_waiting:{request.id}:{request.sent_to_review_at:%Y%m%d%H%M%S}")


def _request(referral):
    """The request the referral is about, or a stand-in carrying the file number for a file's referral."""
    from types import SimpleNamespace

    from core.beneficiaries.models import Beneficiary
    from core.extensions import db
    from core.workflow.models import SupportRequest

    if referral.request_id is not None:
        return db.session.get(SupportRequest, referral.request_id)
    beneficiary = db.session.get(Beneficiary, referral.beneficiary_id)
    return SimpleNamespace(id=None, beneficiary_id=referral.beneficiary_id,
                           reference=str(beneficiary.file_number) if beneficiary else None)
