"""The operator's overview across associations: counts only, never a name or an ID number."""
from dataclasses import dataclass, field

import sqlalchemy as sa

from core.beneficiaries.models import Beneficiary
from core.calendar import local_date
from core.extensions import db
from core.grievances.models import Complaint
from core.grievances.operations import overdue_condition
from core.models import Tenant, TenantRole
from core.tenancy import cross_tenant_scope
from core.workflow.deadlines import today
from core.workflow.models import SupportRequest
from core.workflow.states import OPEN_STATES, RequestState


@dataclass
class TenantCounts:
    tenant: Tenant
    members: int = 0
    files: int = 0
    requests: int = 0
    open: int = 0
    overdue: int = 0
    decided: int = 0
    decided_within: int = 0
    #: Complaints (module grievances): all filed, and those not decided within the 15 working days now.
    complaints: int = 0
    complaints_overdue: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def share_within(self) -> float | None:
        return round(100 * self.decided_within / self.decided, 1) if self.decided else None


def _by_tenant(query) -> dict[int, int]:
    return dict(db.session.execute(query).all())


def overview() -> list[TenantCounts]:
    """One row per association, in slug order: a fixed number of grouped queries, whatever the size."""
    with cross_tenant_scope():
        rows = {t.id: TenantCounts(t) for t in db.session.scalars(sa.select(Tenant).order_by(Tenant.slug))}
        members = _by_tenant(sa.select(TenantRole.tenant_id, sa.func.count(sa.distinct(TenantRole.user_id)))
                             .group_by(TenantRole.tenant_id))
        files = _by_tenant(sa.select(Beneficiary.tenant_id, sa.func.count()).group_by(Beneficiary.tenant_id))
        requests = _by_tenant(sa.select(SupportRequest.tenant_id, sa.func.count()).group_by(SupportRequest.tenant_id))
        open_ = _by_tenant(sa.select(SupportRequest.tenant_id, sa.func.count())
                           .where(SupportRequest.state.in_([str(s) for s in OPEN_STATES]))
                           .group_by(SupportRequest.tenant_id))
        overdue = _by_tenant(sa.select(SupportRequest.tenant_id, sa.func.count())
                             .where(SupportRequest.state == RequestState.under_review,
                                    SupportRequest.decision_due < today())
                             .group_by(SupportRequest.tenant_id))
        decisions = db.session.execute(
            sa.select(SupportRequest.tenant_id, SupportRequest.decided_at, SupportRequest.decision_due)
            .where(SupportRequest.decided_at.is_not(None), SupportRequest.decision_due.is_not(None))).all()
        complaints = _by_tenant(sa.select(Complaint.tenant_id, sa.func.count()).group_by(Complaint.tenant_id))
        complaints_overdue = _by_tenant(sa.select(Complaint.tenant_id, sa.func.count())
                                        .where(overdue_condition(today())).group_by(Complaint.tenant_id))
    for tenant_id, row in rows.items():
        row.members, row.files = members.get(tenant_id, 0), files.get(tenant_id, 0)
        row.requests, row.open, row.overdue = requests.get(tenant_id, 0), open_.get(tenant_id, 0), \
            overdue.get(tenant_id, 0)
        row.complaints, row.complaints_overdue = complaints.get(tenant_id, 0), complaints_overdue.get(tenant_id, 0)
    for tenant_id, decided_at, due in decisions:
        if tenant_id in rows:
            rows[tenant_id].decided += 1
            rows[tenant_id].decided_within += local_date(decided_at) <= due
    return list(rows.values())
