"""The outbox."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import ID_TYPE, SequencedId, sequenced_id, tenant_fk
from core.tenancy import TenantOwned


class OutboxMessage(SequencedId, TenantOwned, db.Model):
    """A message to a beneficiary, a program registrant, or a person the association deals with (an
    invitation to join), added in the transaction of the change."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        sa.Index("ix_outbox_messages_tenant_beneficiary", "tenant_id", "beneficiary_id"),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        tenant_fk("beneficiary_id", "beneficiaries", ondelete="CASCADE"),
        # RESTRICT, not SET NULL (which would blank tenant_id): requests are never erased.
        tenant_fk("request_id", "support_requests", ondelete="RESTRICT"),
        tenant_fk("program_registration_id", "program_registrations", ondelete="CASCADE"),
        sa.Index("ix_outbox_messages_tenant_program_registration", "tenant_id", "program_registration_id"),
    )

    id: Mapped[int] = sequenced_id("outbox_messages")
    #: The file the message is about; None for someone without a file (a program participant, an invited person).
    beneficiary_id: Mapped[int | None] = mapped_column()
    request_id: Mapped[int | None] = mapped_column(index=True)
    #: A program registration the message is about (core.programs).
    program_registration_id: Mapped[int | None] = mapped_column(ID_TYPE)
    #: request_received | under_review | decision_accepted | decision_rejected | served | invitation | survey | code | …
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    #: email | sms
    medium: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    recipient: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    language: Mapped[str] = mapped_column(sa.String(5), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    #: A secret the body carries until delivery (an invitation link): blanked in the body once sent,
    #: so the database keeps no usable link.
    sensitive: Mapped[str | None] = mapped_column(sa.String(500))
    #: pending | sending (claimed by a runner) | sent | failed (failed = gave up after MAX_ATTEMPTS)
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"primary_key": [id]}
