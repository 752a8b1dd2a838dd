"""Reminders for overdue decisions: once a day, the person who must decide an overdue request is e-mailed
(the manager it was sent to, or the reviewers of a committee), and the request's timeline says so."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.calendar import local_date
from core.extensions import db
from core.jobs import job, tenants_with_module
from core.messaging import delivery
from core.messaging.compose import isolate
from core.models import TenantRole, User
from core.roles import Role
from core.workflow.models import DecisionReminder, SupportRequest
from core.workflow.operations import note
from core.workflow.states import RequestState


def _deciders(request) -> list[User]:
    if request.review_body == "manager" and request.manager_id:
        user = db.session.get(User, request.manager_id)
        return [user] if user and not user.disabled_at else []
    return list(db.session.scalars(sa.select(User).join(TenantRole, TenantRole.user_id == User.id)
                                   .where(TenantRole.role == Role.reviewer, User.disabled_at.is_(None))
                                   .order_by(User.id)).unique())


def remind(tenant, on: date) -> int:
    """Remind the deciders of every request overdue on `on`, at most once per request per day."""
    overdue = db.session.scalars(sa.select(SupportRequest).where(
        SupportRequest.state == RequestState.under_review, SupportRequest.decision_due < on)
        .order_by(SupportRequest.id)).all()
    done = set(db.session.scalars(sa.select(DecisionReminder.request_id).where(DecisionReminder.sent_on == on)))
    sent = 0
    for request in overdue:
        if request.id in done:
            continue
        people = _deciders(request)
        reminder = DecisionReminder(request_id=request.id, sent_on=on, recipients=len(people))
        db.session.add(reminder)
        try:
            db.session.flush()  # a second runner inserting the same (request, day) fails here: skip it
        except sa.exc.IntegrityError:
            db.session.rollback()
            continue
        note(request.beneficiary_id, "reminder", _("Reminder sent to {names}: the decision was due on {date}.")
             .format(names=_(", ").join(u.name for u in people) or "—", date=isolate(request.decision_due.isoformat())),
             None, request)
        db.session.commit()
        for user in people:
            _mail(tenant, request, user, reminder)
        sent += 1
    return sent


def _mail(tenant, request, user, reminder) -> None:
    with force_locale("ar"):
        subject = _("Decision overdue: request {reference}").format(reference=isolate(request.reference))
        body = _("The decision on support request {reference} ({association}) was due on {date}. Open it at "
                 "/{slug}/staff/requests/{id}.").format(reference=isolate(request.reference),
                                                        association=tenant.name_ar,
                                                        date=isolate(request.decision_due.isoformat()),
                                                        slug=tenant.slug, id=request.id)
    message = SimpleNamespace(id=reminder.id * 1000 + user.id % 1000, medium="email", kind="decision_overdue",
                              recipient=user.email, subject=subject, body=body, language="ar")
    try:
        delivery.backend().send(message)
    except delivery.DeliveryError:
        current_app.logger.warning("decision reminder to user %s not delivered", user.id)


@job("workflow.overdue_decision_reminders", every=timedelta(hours=1))
def overdue_decision_reminders(now) -> int:
    return sum(remind(tenant, local_date(now)) for tenant in tenants_with_module(None))
