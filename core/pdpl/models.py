"""Consent records and anonymisations of beneficiary files."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed, tenant_fk


class Consent(TenantKeyed, db.Model):
    """The beneficiary's (or, for a minor, a guardian's) consent to one purpose; withdrawn, not deleted."""

    __tablename__ = "consents"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries", ondelete="CASCADE"),
        sa.Index("ix_consents_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    #: data_processing | messages | sharing (core.pdpl.consent.PURPOSES)
    purpose: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    #: self | guardian
    given_by: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    guardian_name: Mapped[str | None] = mapped_column(sa.String(200))
    guardian_national_id: Mapped[str | None] = mapped_column(sa.String(10))
    guardian_relation: Mapped[str | None] = mapped_column(sa.String(20))
    #: in_person | written | online
    method: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    given_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class Anonymisation(TenantKeyed, db.Model):
    """A file whose personal data was removed after the retention period; its figures stay counted."""

    __tablename__ = "anonymisations"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries", ondelete="RESTRICT"),
        sa.UniqueConstraint("tenant_id", "beneficiary_id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    file_number: Mapped[int] = mapped_column(nullable=False)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
