"""A reported change to a file (address, contact, family, income), waiting for staff to accept or refuse it."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import ID_TYPE, TenantKeyed, tenant_fk


class ChangeRequest(TenantKeyed, db.Model):
    __tablename__ = "change_requests"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        tenant_fk("complaint_id", "complaints"),
        sa.Index("ix_change_requests_tenant_state_id", "tenant_id", "state", "id"),
        sa.Index("ix_change_requests_tenant_beneficiary", "tenant_id", "beneficiary_id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: "portal" (the beneficiary reported it) or "complaint" (a complaint showed wrong data on the file).
    source: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    complaint_id: Mapped[int | None] = mapped_column(ID_TYPE)
    #: What changed, comma-separated: address, contact, family, income, other.
    kinds: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    #: New values for file fields (mobile, email, city, district, address), applied on acceptance.
    proposed: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    #: The change in the person's words (family and income changes are described, then entered by staff).
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: submitted | accepted | refused (core.changes.operations.TRANSITIONS)
    state: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Why it was refused (told to the beneficiary), or staff's note on acceptance.
    reason: Mapped[str | None] = mapped_column(sa.Text)
