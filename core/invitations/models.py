"""An invitation to join one association with some roles, accepted once through a link sent by e-mail."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed


class Invitation(TenantKeyed, db.Model):
    """Only the SHA-256 of the link's secret is kept: a database reader cannot use a pending invitation."""

    __tablename__ = "invitations"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "token_hash"),
        sa.Index("ix_invitations_tenant_email", "tenant_id", "email"),
        sa.Index("ix_invitations_tenant_pending", "tenant_id", "accepted_at", "revoked_at", "id"),
    )

    #: As the admin typed it, normalised (lower case); the account it names may not exist yet.
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    #: The roles the person gets on accepting, e.g. ["relations_officer", "viewer"].
    roles: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Withdrawn by an admin, or replaced by a newer invitation to the same e-mail.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()
