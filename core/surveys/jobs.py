"""Time-based survey work: invite the beneficiaries of requests served recently."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from core.beneficiaries.models import Beneficiary
from core.extensions import db
from core.jobs import job, tenants_with_module
from core.surveys.models import SurveyInvitation
from core.surveys.operations import invite, request_subject
from core.workflow.models import SupportRequest
from core.workflow.states import RequestState

#: Requests served longer ago than this are not surveyed any more (the memory of the service fades).
LOOK_BACK = timedelta(days=14)


@job("surveys.invite_served", every=timedelta(hours=1))
def invite_served(now: datetime) -> int:
    """One invitation per served request of the last two weeks; requests already invited are skipped."""
    sent = 0
    for tenant in tenants_with_module(None):
        invited = sa.select(SurveyInvitation.request_id).where(SurveyInvitation.request_id.is_not(None))
        rows = db.session.execute(
            sa.select(SupportRequest, Beneficiary).join(Beneficiary, Beneficiary.id == SupportRequest.beneficiary_id)
            .where(SupportRequest.served_at >= now - LOOK_BACK, SupportRequest.served_at <= now,
                   SupportRequest.state.in_([RequestState.served, RequestState.closed]),
                   SupportRequest.id.not_in(invited))
            .order_by(SupportRequest.id)).all()
        for request, beneficiary in rows:
            if invite(tenant, beneficiary, request_subject(tenant, request), now=now) is not None:
                sent += 1
        db.session.commit()
    return sent
