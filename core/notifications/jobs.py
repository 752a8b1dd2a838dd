"""Time-based notifications: decisions due soon (hourly, once per request and due date) and the daily
e-mail digest for those who asked for it (once per local day, through the outbox)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from core.calendar import local_date
from core.extensions import db
from core.jobs import job, tenants_with_module
from core.messaging.compose import enqueue_email, isolate, portal_url
from core.models import User
from core.notifications.hooks import deciders
from core.notifications.models import Notification, NotificationPreference
from core.notifications.operations import KINDS, notify
from core.workflow.models import SupportRequest
from core.workflow.states import RequestState

#: "Due soon": the decision is due today or within this many days.
DUE_SOON_DAYS = 2


def due_soon(tenant, on) -> int:
    requests = db.session.scalars(sa.select(SupportRequest).where(
        SupportRequest.state == RequestState.under_review, SupportRequest.decision_due >= on,
        SupportRequest.decision_due <= on + timedelta(days=DUE_SOON_DAYS)).order_by(SupportRequest.id)).all()
    written = sum(notify(deciders(r), "decision_due_soon", request=r, due_on=r.decision_due,
                         dedup_key=f"decision_due_soon:{r.id}:{r.decision_due.isoformat()}") for r in requests)
    db.session.commit()
    return written


@job("notifications.decision_due_soon", every=timedelta(hours=1))
def decision_due_soon(now) -> int:
    return sum(due_soon(tenant, local_date(now)) for tenant in tenants_with_module(None))


def digest(tenant, on) -> int:
    """One e-mail per person who chose the digest and has unread notifications, at most once a day."""
    sent = 0
    people = db.session.scalars(sa.select(NotificationPreference.user_id).where(
        NotificationPreference.daily_digest.is_(True)).order_by(NotificationPreference.user_id)).all()
    for user_id in people:
        unread = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None))
            .order_by(Notification.id.desc()).limit(50)).all()
        user = db.session.get(User, user_id)
        if not unread or user is None or user.disabled_at is not None:
            continue
        claimed = db.session.execute(sa.update(NotificationPreference).where(
            NotificationPreference.user_id == user_id,
            sa.or_(NotificationPreference.last_digest_on.is_(None), NotificationPreference.last_digest_on < on))
            .values(last_digest_on=on)).rowcount
        if not claimed:
            continue
        language = user.locale if user.locale in ("ar", "en") else "ar"
        with force_locale(language):
            lines = [f"- {KINDS[n.kind]}: {isolate(n.reference or '')}" for n in unread]
            subject = _("Wasl: unread notifications ({count})").format(count=len(unread))
            body = "\n".join([_("Unread notifications for you at {association}:").format(
                association=tenant.name(language)), "", *lines, "",
                portal_url(tenant, "staff/notifications")])
        enqueue_email("staff_digest", user.email, subject, body, language)
        db.session.commit()
        sent += 1
    return sent


@job("notifications.daily_digest", every=timedelta(hours=1))
def daily_digest(now) -> int:
    return sum(digest(tenant, local_date(now)) for tenant in tenants_with_module(None))
