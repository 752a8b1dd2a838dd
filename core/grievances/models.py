"""Complaints with the policy's nine required items, who may open them, and their attachments."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import ID_TYPE, TenantKeyed, tenant_fk


class Complaint(TenantKeyed, db.Model):
    """تظلم أو شكوى. Confidential: only the executive director, tenant admins and members may open it."""

    __tablename__ = "complaints"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "reference"),
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.Index("ix_complaints_tenant_state_due", "tenant_id", "state", "decision_due"),
        sa.Index("ix_complaints_tenant_national_id", "tenant_id", "national_id"),
    )

    #: What the complainant quotes, e.g. C-2026-00007.
    reference: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: received | excuse_pending | under_review | decided | notified | closed | referred_to_investigation
    state: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    #: portal | sealed_envelope (handed in by hand at the executive director's office)
    received_via: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    # 1. personal data
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    national_id: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    mobile: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(5), nullable=False, default="ar")
    #: The complainant's file, when the national ID has one (for a data-correction change request).
    beneficiary_id: Mapped[int | None] = mapped_column(sa.Integer)
    # 2.–8. the complaint itself
    subject: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    facts: Mapped[str] = mapped_column(sa.Text, nullable=False)
    against: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    harm: Mapped[str] = mapped_column(sa.Text, nullable=False)
    reasons: Mapped[str] = mapped_column(sa.Text, nullable=False)
    previous_steps: Mapped[str] = mapped_column(sa.Text, nullable=False)
    requested: Mapped[str] = mapped_column(sa.Text, nullable=False)
    other_information: Mapped[str | None] = mapped_column(sa.Text)
    #: The reference of the support request complained about, if any.
    request_reference: Mapped[str | None] = mapped_column(sa.String(20))
    #: The date of the event complained about; the filing window counts from it.
    event_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: Set when filed after the window: the complainant's excuse, and the executive director's answer.
    late_excuse: Mapped[str | None] = mapped_column(sa.Text)
    excuse_accepted: Mapped[bool | None] = mapped_column(sa.Boolean)
    #: 15 working days after submission (Sunday–Thursday, minus holidays).
    decision_due: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: upheld | partly_upheld | not_upheld
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    #: The decision as the complainant is told it.
    decision: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How the result was told: outbox (SMS/e-mail), phone, in_person, letter.
    notified_via: Mapped[str | None] = mapped_column(sa.String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_note: Mapped[str | None] = mapped_column(sa.Text)
    #: Why it went to the investigation committee (a complaint found malicious).
    investigation_reason: Mapped[str | None] = mapped_column(sa.Text)
    reminded_on: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ComplaintMember(TenantKeyed, db.Model):
    """A user the executive director added to one complaint: the only staff besides him who may open it."""

    __tablename__ = "complaint_members"
    __table_args__ = (
        tenant_fk("complaint_id", "complaints", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "complaint_id", "user_id"),
        sa.Index("ix_complaint_members_tenant_user", "tenant_id", "user_id"),
    )

    complaint_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ComplaintAttachment(TenantKeyed, db.Model):
    """Item 9: documents that support the complaint, stored like request attachments."""

    __tablename__ = "complaint_attachments"
    __table_args__ = (
        tenant_fk("complaint_id", "complaints", ondelete="CASCADE"),
        sa.Index("ix_complaint_attachments_tenant_complaint", "tenant_id", "complaint_id"),
    )

    complaint_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    original_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    stored_name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
