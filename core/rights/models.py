"""Acknowledgements, researcher-change requests and family members involved in decisions."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed, tenant_fk


def user_fk():
    return sa.ForeignKey("users.id", ondelete="SET NULL")


class RightsAcknowledgement(TenantKeyed, db.Model):
    """The beneficiary acknowledged the rights and duties: when, how, and which text (policy version)."""

    __tablename__ = "rights_acknowledgements"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.Index("ix_rights_acknowledgements_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    acknowledged_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: in_person | signed_form | online
    method: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: The policy version whose rights and duties were shown, and the fingerprint of its text.
    policy_version: Mapped[int | None] = mapped_column()
    text_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(user_fk())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ResearcherChange(TenantKeyed, db.Model):
    """The beneficiary asked for another social researcher; management decides, the outcome is told."""

    __tablename__ = "researcher_changes"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.Index("ix_researcher_changes_tenant_status", "tenant_id", "status", "id"),
        sa.Index("ix_researcher_changes_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    current_researcher_id: Mapped[int | None] = mapped_column(user_fk())
    reasons: Mapped[str] = mapped_column(sa.Text, nullable=False)
    requested_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(user_fk())
    #: pending | approved | refused
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="pending")
    new_researcher_id: Mapped[int | None] = mapped_column(user_fk())
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(user_fk())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class FamilyInvolvement(TenantKeyed, db.Model):
    """A family member the beneficiary asked to take part in decisions about their care (004's right)."""

    __tablename__ = "family_involvements"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.Index("ix_family_involvements_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    relation: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    #: E.164.
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    #: What they are involved in (all decisions, one service, a problem …).
    scope: Mapped[str] = mapped_column(sa.Text, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(user_fk())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
