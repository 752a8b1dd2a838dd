"""An API token: only its SHA-256 is stored; the token itself is shown once, when it is made."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed


class ApiToken(TenantKeyed, db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "token_hash"),
        sa.Index("ix_api_tokens_tenant_user", "tenant_id", "user_id", "id"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    #: SHA-256 of the whole token; a leaked database does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: The first characters of the token, so its owner can tell tokens apart in the list.
    prefix: Mapped[str] = mapped_column(sa.String(24), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined")
