"""A notification for one staff member of one association, and their digest choice."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed, tenant_fk


class Notification(TenantKeyed, db.Model):
    """Something a staff member should look at; its text is written when shown, in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (
        tenant_fk("request_id", "support_requests", ondelete="CASCADE"),
        tenant_fk("beneficiary_id", "beneficiaries", ondelete="CASCADE"),
        tenant_fk("referral_id", "referrals", ondelete="CASCADE"),
        #: One notification per key and person: the job that finds decisions due soon runs hourly.
        sa.UniqueConstraint("tenant_id", "user_id", "dedup_key"),
        sa.Index("ix_notifications_tenant_user_id", "tenant_id", "user_id", "id"),
        sa.Index("ix_notifications_tenant_user_unread", "tenant_id", "user_id", "read_at"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    #: referral_new | referral_answered | decision_waiting | decision_due_soon
    kind: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    request_id: Mapped[int | None] = mapped_column()
    beneficiary_id: Mapped[int | None] = mapped_column()
    referral_id: Mapped[int | None] = mapped_column()
    #: The request's reference (or the file number) when the event happened, for the line shown.
    reference: Mapped[str | None] = mapped_column(sa.String(20))
    #: The decision's due date, for decision_due_soon.
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    dedup_key: Mapped[str | None] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(TenantKeyed, db.Model):
    """A staff member's choice of a daily e-mail digest of unread notifications (off unless asked for)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    daily_digest: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: The local day of the last digest: claimed in an UPDATE so two runners never send it twice.
    last_digest_on: Mapped[date | None] = mapped_column(sa.Date)
