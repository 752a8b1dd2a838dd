"""Writing, counting, listing and marking staff notifications, always for the signed-in person."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.models import TenantRole, User
from core.models.base import utcnow
from core.notifications.models import Notification, NotificationPreference

KINDS = {
    "referral_new": _l("New referral for you"),
    "referral_answered": _l("Your referral was answered"),
    "decision_waiting": _l("A request waits for your decision"),
    "decision_due_soon": _l("A decision is due soon"),
}
PAGE = 50


def holders_of(role: str) -> list[int]:
    """Ids of the tenant's active members who hold the role."""
    return list(db.session.scalars(
        sa.select(User.id).join(TenantRole, TenantRole.user_id == User.id)
        .where(TenantRole.role == role, User.disabled_at.is_(None)).order_by(User.id)).unique())


def notify(user_ids, kind: str, *, actor=None, request=None, beneficiary_id=None, referral_id=None,
           reference=None, due_on: date | None = None, dedup_key: str | None = None) -> int:
    """One notification for each person (not the one who caused it); with a dedup_key, at most one ever
    per person and key. Returns how many were written. The caller's transaction commits them."""
    actor_id = getattr(actor, "id", None)
    written = 0
    for user_id in dict.fromkeys(user_ids):
        if user_id is None or user_id == actor_id:
            continue
        if dedup_key and db.session.scalar(sa.select(Notification.id).where(
                Notification.user_id == user_id, Notification.dedup_key == dedup_key)) is not None:
            continue
        db.session.add(Notification(
            user_id=user_id, kind=kind, request_id=getattr(request, "id", None),
            beneficiary_id=beneficiary_id if beneficiary_id is not None else getattr(request, "beneficiary_id", None),
            referral_id=referral_id, reference=reference or getattr(request, "reference", None), due_on=due_on,
            dedup_key=dedup_key, created_at=utcnow()))
        written += 1
    if written:
        db.session.flush()
    return written


def unread_count(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def page_of(user, before: int | None = None, unread_only: bool = False) -> tuple[list[Notification], int | None]:
    """Newest first, by keyset on (tenant_id, user_id, id); the id to continue from, if there is more."""
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before:
        query = query.where(Notification.id < before)
    rows = list(db.session.scalars(query.order_by(Notification.id.desc()).limit(PAGE + 1)))
    return rows[:PAGE], (rows[PAGE - 1].id if len(rows) > PAGE else None)


def mine(user, notification_id: int) -> Notification | None:
    """The person's own notification in this association, or None (another person's is not found)."""
    from core.models.keys import get_in_tenant

    found = get_in_tenant(Notification, notification_id)
    return found if found is not None and found.user_id == user.id else None


def _known_unread() -> int | None:
    """The unread count read with the page's first query (core.web), if this request has it."""
    return g.get("unread_notifications") if has_request_context() else None


def _read(count: int) -> None:
    """`count` notifications were just marked read: the count the page shows follows."""
    known = _known_unread()
    if known is not None:
        g.unread_notifications = max(known - count, 0)


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        _read(1)


def mark_all_read(user) -> int:
    result = db.session.execute(sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    _read(result.rowcount or 0)
    return result.rowcount or 0


def preference(user) -> NotificationPreference | None:
    return db.session.scalar(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))


def set_digest(user, on: bool) -> bool:
    """Turn the daily e-mail digest on or off; returns whether it changed."""
    current = preference(user)
    if current is None:
        if not on:
            return False
        db.session.add(NotificationPreference(user_id=user.id, daily_digest=True))
        db.session.flush()
        return True
    if current.daily_digest == on:
        return False
    current.daily_digest = on
    return True


def read_about_request(user, request_id: int) -> int:
    """The person opened the request: what told them about it is read (nothing to write when they have no
    unread notification at all, as the page's first query already told)."""
    if _known_unread() == 0:
        return 0
    result = db.session.execute(sa.update(Notification).where(
        Notification.user_id == user.id, Notification.request_id == request_id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    _read(result.rowcount or 0)
    return result.rowcount or 0
