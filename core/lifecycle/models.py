"""Freezes, exclusion decisions, transfers on death and annual data-update campaigns."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed, tenant_fk, tenant_relationship


def user_fk():
    return sa.ForeignKey("users.id", ondelete="SET NULL")


class FileFreeze(TenantKeyed, db.Model):
    """A file frozen for a while: lifted when the beneficiary responds, else exclusion becomes due."""

    __tablename__ = "file_freezes"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.Index("ix_file_freezes_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
        sa.Index("ix_file_freezes_tenant_open_ends", "tenant_id", "ends_on", "lifted_at", "expired_at"),
    )

    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    #: late_documents | unreported_change (core.lifecycle.reasons.FREEZE_REASONS)
    reason: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: The last day of the freeze; the day after, without a response, exclusion is due.
    ends_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(user_fk())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(user_fk())
    #: What the beneficiary did (documents given, new address reported …).
    response: Mapped[str | None] = mapped_column(sa.Text)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExclusionDecision(TenantKeyed, db.Model):
    """قرار استبعاد: numbered per association, with its reason, evidence and who decided."""

    __tablename__ = "exclusion_decisions"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.UniqueConstraint("tenant_id", "number"),
        sa.Index("ix_exclusion_decisions_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
    )

    #: Dense per association: 1, 2, 3 … (shown as the decision's number).
    number: Mapped[int] = mapped_column(nullable=False)
    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    #: A code of core.lifecycle.reasons.EXCLUSION_REASONS.
    reason: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    decided_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: The proof of the case («بناء على اثبات الحالة»), as recorded.
    evidence: Mapped[str] = mapped_column(sa.Text, nullable=False)
    #: own_request: the approved cancellation form's reference and date.
    form_reference: Mapped[str | None] = mapped_column(sa.String(200))
    #: assault: the authority the case was referred to, and how.
    authority_referral: Mapped[str | None] = mapped_column(sa.String(300))
    #: no_longer_eligible: when the certificate was issued and the closed file handed over.
    certificate_issued_on: Mapped[date | None] = mapped_column(sa.Date)
    decided_by_id: Mapped[int | None] = mapped_column(user_fk())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    status_before: Mapped[str] = mapped_column(sa.String(20), nullable=False)

    beneficiary = tenant_relationship("ExclusionDecision", "beneficiary_id", "Beneficiary")


class FileTransfer(TenantKeyed, db.Model):
    """On the holder's death the file passes to the wife or a dependant (a new file that keeps the history)."""

    __tablename__ = "file_transfers"
    __table_args__ = (
        tenant_fk("from_beneficiary_id", "beneficiaries", name="fk_file_transfers_from_beneficiary"),
        tenant_fk("to_beneficiary_id", "beneficiaries", name="fk_file_transfers_to_beneficiary"),
        sa.UniqueConstraint("tenant_id", "from_beneficiary_id"),
        sa.Index("ix_file_transfers_tenant_to", "tenant_id", "to_beneficiary_id"),
    )

    from_beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    #: None when the file was closed (no wife, no dependants).
    to_beneficiary_id: Mapped[int | None] = mapped_column()
    died_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    evidence: Mapped[str] = mapped_column(sa.Text, nullable=False)
    #: The new holder's relation to the deceased (spouse, son, daughter …), from the household.
    new_holder_relation: Mapped[str | None] = mapped_column(sa.String(20))
    recorded_by_id: Mapped[int | None] = mapped_column(user_fk())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class UpdateCampaign(TenantKeyed, db.Model):
    """An annual data update: every active file must be updated within the window."""

    __tablename__ = "update_campaigns"
    __table_args__ = (sa.Index("ix_update_campaigns_tenant_id", "tenant_id", "id"),)

    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    opens_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: The due date of every file of the campaign.
    closes_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(user_fk())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class FileUpdate(TenantKeyed, db.Model):
    """One file's place in a campaign: due, recorded, or lapsed (then frozen for late documents)."""

    __tablename__ = "file_updates"
    __table_args__ = (
        tenant_fk("campaign_id", "update_campaigns", ondelete="CASCADE"),
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.UniqueConstraint("tenant_id", "campaign_id", "beneficiary_id"),
        sa.Index("ix_file_updates_tenant_due", "tenant_id", "due_on", "done_at", "lapsed_at"),
        sa.Index("ix_file_updates_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
    )

    campaign_id: Mapped[int] = mapped_column(nullable=False)
    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(user_fk())
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: Set once by the deadline job when the due date passed without an update.
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    freeze_id: Mapped[int | None] = mapped_column()

    campaign = tenant_relationship("FileUpdate", "campaign_id", "UpdateCampaign")
