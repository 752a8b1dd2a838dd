"""What the portal records beside the staff workflow: online applications and one-time codes."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed, tenant_fk


class OnlineApplication(TenantKeyed, db.Model):
    """A support request sent from the portal: the declaration as ticked and signed, the contact given."""

    __tablename__ = "online_applications"
    __table_args__ = (
        tenant_fk("request_id", "support_requests"),
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.UniqueConstraint("tenant_id", "request_id"),
    )

    request_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    beneficiary_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    #: The applicant typed his name under the declaration: his signature.
    typed_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    declaration_version: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: The exact declaration text shown and ticked.
    declaration_text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: What the form said, kept even when the ID matched an existing file (staff compare them).
    given_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    given_mobile: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    given_email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(5), nullable=False, default="ar")
    #: True when the national ID already had a file (the file was not changed by the form).
    matched_file: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)


class OneTimeCode(TenantKeyed, db.Model):
    """A six-digit code sent to the contact on record, instead of typing the mobile number."""

    __tablename__ = "one_time_codes"
    __table_args__ = (sa.Index("ix_one_time_codes_tenant_scope", "tenant_id", "scope", "id"),)

    #: What the code opens: "request:<id>" or "complaint:<id>".
    scope: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    code_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
