"""Time-based complaint work: remind the executive director of complaints past their deadline."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from core.calendar import local_date
from core.extensions import db
from core.grievances.models import Complaint
from core.grievances.operations import HANDLER, MODULE, overdue_condition
from core.jobs import job, tenants_with_module
from core.messaging import compose
from core.models import TenantRole, User
from core.surveys.operations import Contact

#: A reminder about the same complaint at most this often.
REMIND_EVERY = timedelta(days=7)


@job("grievances.overdue_reminders", every=timedelta(hours=6), module=MODULE)
def overdue_reminders(now: datetime) -> int:
    """E-mail each executive director the references of overdue complaints (no complainant's data)."""
    today = local_date(now)
    reminded = 0
    for tenant in tenants_with_module(MODULE):
        due = db.session.scalars(sa.select(Complaint).where(
            overdue_condition(today),
            sa.or_(Complaint.reminded_on.is_(None), Complaint.reminded_on <= today - REMIND_EVERY))
            .order_by(Complaint.decision_due)).all()
        if not due:
            continue
        directors = db.session.scalars(sa.select(User).join(TenantRole, TenantRole.user_id == User.id).where(
            TenantRole.role == HANDLER, User.disabled_at.is_(None))).unique().all()
        lines = "\n".join(f"- {compose.isolate(c.reference)}: {c.decision_due.isoformat()}" for c in due)
        for director in directors:
            with force_locale("ar"):
                subject = _("Complaints past their deadline: {count}").format(count=len(due))
                body = _("These complaints of {association} are past their 15-working-day deadline:\n\n{lines}\n\n"
                         "{link}").format(association=tenant.name("ar"), lines=lines,
                                          link=compose.portal_url(tenant, "staff/complaints?overdue=1"))
            compose.enqueue_text("complaint_overdue", Contact(director.name, email=director.email), subject, body)
        for complaint in due:
            complaint.reminded_on = today
        reminded += len(due)
        db.session.commit()
    return reminded
