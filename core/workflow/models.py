"""Support requests, their documents and attachments, referrals and the interactions timeline."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.base import Timestamped, UTCDateTime, utcnow
from core.models.keys import SequencedId, TenantKeyed, sequenced_id, tenant_collection, tenant_fk, tenant_relationship
from core.tenancy import TenantOwned


class SupportRequest(SequencedId, TenantOwned, Timestamped, db.Model):
    """طلب دعم مستفيد: one request of one beneficiary, through the states in core.workflow.states."""

    __tablename__ = "support_requests"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "reference"),
        sa.Index("ix_support_requests_tenant_state_due", "tenant_id", "state", "decision_due"),
        sa.Index("ix_support_requests_tenant_state_received", "tenant_id", "state", "received_at"),
        sa.Index("ix_support_requests_tenant_beneficiary", "tenant_id", "beneficiary_id"),
        # The work queues "to register and serve" and "not yet notified", in their order (migration c7a4e2f91b30).
        sa.Index("ix_support_requests_tenant_to_serve", "tenant_id", "decided_at",
                 postgresql_where=sa.text("state IN ('accepted', 'registered')"),
                 sqlite_where=sa.text("state IN ('accepted', 'registered')")),
        sa.Index("ix_support_requests_tenant_not_notified", "tenant_id", "decided_at", "id",  # d4e8b1c7a902
                 postgresql_where=sa.text("decided_at IS NOT NULL AND decision_notified_at IS NULL"),
                 sqlite_where=sa.text("decided_at IS NOT NULL AND decision_notified_at IS NULL")),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        tenant_fk("beneficiary_id", "beneficiaries", ondelete="RESTRICT"),
    )

    id: Mapped[int] = sequenced_id("support_requests")
    #: What the beneficiary quotes, e.g. 2026-00042 (year of intake, then a per-tenant sequence).
    reference: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    beneficiary_id: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="received")
    #: A code from the tenant's channels.
    channel: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    office: Mapped[str | None] = mapped_column(sa.String(120))
    #: A code from the tenant's services (core.workflow.services).
    service: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    details: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # declared
    declaration_version: Mapped[str | None] = mapped_column(sa.String(20))
    #: The exact declaration text the applicant signed, as shown at the time.
    declaration_text: Mapped[str | None] = mapped_column(sa.Text)
    declaration_method: Mapped[str | None] = mapped_column(sa.String(20))
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # under_review
    review_body: Mapped[str | None] = mapped_column(sa.String(20))
    sent_to_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Riyadh calendar day by which the decision is due: day sent + the tenant's decision_sla_days.
    decision_due: Mapped[date | None] = mapped_column(sa.Date)
    committee_meeting_date: Mapped[date | None] = mapped_column(sa.Date)
    committee_members: Mapped[str | None] = mapped_column(sa.Text)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # decision
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: For a rejection: the reason, exactly as the beneficiary is told.
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Set when staff record that they told the beneficiary (phone, in person) outside the outbox.
    decision_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # served
    service_kind: Mapped[str | None] = mapped_column(sa.String(30))
    service_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    service_description: Mapped[str | None] = mapped_column(sa.Text)
    served_on: Mapped[date | None] = mapped_column(sa.Date)
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    served_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"primary_key": [id], "version_id_col": version}

    beneficiary = tenant_relationship("SupportRequest", "beneficiary_id", "Beneficiary")
    documents = tenant_collection("SupportRequest", "RequestDocument", "request_id", order_by="RequestDocument.id",
                                  cascade="all, delete-orphan")
    received_by = relationship("User", foreign_keys=[received_by_id], lazy="raise")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="raise")
    served_by = relationship("User", foreign_keys=[served_by_id], lazy="raise")
    manager = relationship("User", foreign_keys=[manager_id], lazy="raise")


class RequestDocument(SequencedId, TenantOwned, db.Model):
    """One item of the service's required-documents checklist."""

    __tablename__ = "request_documents"
    __table_args__ = (sa.PrimaryKeyConstraint("tenant_id", "id"),
                      sa.UniqueConstraint("tenant_id", "request_id", "code"),
                      tenant_fk("request_id", "support_requests", ondelete="CASCADE"))

    id: Mapped[int] = sequenced_id("request_documents")
    request_id: Mapped[int] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    label_ar: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    label_en: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    received_on: Mapped[date | None] = mapped_column(sa.Date)
    verified_on: Mapped[date | None] = mapped_column(sa.Date)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    #: Optimistic lock: a checklist form read at an older version is refused (it could clear verified_on).
    version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")

    __mapper_args__ = {"primary_key": [id], "version_id_col": version}

    def label(self, locale: str) -> str:
        return self.label_ar if locale == "ar" else self.label_en


class Attachment(SequencedId, TenantOwned, db.Model):
    """An uploaded file, stored under a random name in the upload store; served only by an authorised route."""

    __tablename__ = "attachments"
    __table_args__ = (
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "stored_name"),
        tenant_fk("request_id", "support_requests", ondelete="CASCADE"),
        # NO ACTION, not SET NULL (which would blank tenant_id): a checklist item is removed only while
        # nothing was received for it, and the operation that removes it first unlinks its attachments
        # (core.workflow.corrections); checked at the end of the statement, so deleting a request with its
        # documents and attachments in one go still works.
        tenant_fk("document_id", "request_documents", ondelete="NO ACTION"),
    )

    id: Mapped[int] = sequenced_id("attachments")
    request_id: Mapped[int] = mapped_column(index=True)
    document_id: Mapped[int | None] = mapped_column()
    original_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    stored_name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    #: Detected from the content, not from the name or the browser's claim.
    content_type: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: A wrong file is never erased: it is hidden from the request and kept, with who removed it and when.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    __mapper_args__ = {"primary_key": [id]}


class Referral(SequencedId, TenantOwned, db.Model):
    """A question referred to the tenant's referral role (إحالة), and its answer."""

    __tablename__ = "referrals"
    __table_args__ = (sa.Index("ix_referrals_tenant_open", "tenant_id", "answered_at"),
                      # The open referrals' work queue, oldest first.
                      sa.Index("ix_referrals_tenant_open_asked", "tenant_id", "asked_at",
                               postgresql_where=sa.text("answered_at IS NULL"),
                               sqlite_where=sa.text("answered_at IS NULL")),
                      sa.PrimaryKeyConstraint("tenant_id", "id"),
                      tenant_fk("beneficiary_id", "beneficiaries", ondelete="CASCADE"),
                      # RESTRICT, not SET NULL (which would blank tenant_id): requests are never erased.
                      tenant_fk("request_id", "support_requests", ondelete="RESTRICT"))

    id: Mapped[int] = sequenced_id("referrals")
    beneficiary_id: Mapped[int] = mapped_column(index=True)
    request_id: Mapped[int | None] = mapped_column()
    question: Mapped[str] = mapped_column(sa.Text, nullable=False)
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Optimistic lock: two people answering at once cannot both succeed.
    version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")

    __mapper_args__ = {"primary_key": [id], "version_id_col": version}

    beneficiary = tenant_relationship("Referral", "beneficiary_id", "Beneficiary")
    request = tenant_relationship("Referral", "request_id", "SupportRequest")
    asked_by = relationship("User", foreign_keys=[asked_by_id], lazy="raise")
    answered_by = relationship("User", foreign_keys=[answered_by_id], lazy="raise")


class Interaction(SequencedId, TenantOwned, db.Model):
    """One line of the file's timeline: a contact, a state change, a document, a referral, a message."""

    __tablename__ = "interactions"
    __table_args__ = (
        sa.Index("ix_interactions_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        tenant_fk("beneficiary_id", "beneficiaries", ondelete="CASCADE"),
        # RESTRICT, not SET NULL (which would blank tenant_id): requests are never erased.
        tenant_fk("request_id", "support_requests", ondelete="RESTRICT"),
    )

    id: Mapped[int] = sequenced_id("interactions")
    beneficiary_id: Mapped[int] = mapped_column()
    request_id: Mapped[int | None] = mapped_column()
    #: contact | state | document | referral | message
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    channel: Mapped[str | None] = mapped_column(sa.String(40))
    #: in | out (for contacts and messages)
    direction: Mapped[str | None] = mapped_column(sa.String(3))
    summary: Mapped[str] = mapped_column(sa.Text, nullable=False)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __mapper_args__ = {"primary_key": [id]}

    user = relationship("User", lazy="raise")
    request = tenant_relationship("Interaction", "request_id", "SupportRequest")


class DecisionReminder(TenantKeyed, db.Model):
    """One reminder of one overdue request on one day: the unique key makes the job idempotent."""

    __tablename__ = "decision_reminders"
    __table_args__ = (
        tenant_fk("request_id", "support_requests", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "request_id", "sent_on"),
    )

    request_id: Mapped[int] = mapped_column(nullable=False)
    sent_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    recipients: Mapped[int] = mapped_column(nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
