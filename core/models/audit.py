"""The append-only audit log."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.tenancy import TenantOwned


class AuditEntry(TenantOwned, db.Model):
    """Who did what, when, to which record, with the values before and after.

    Platform events (an operator suspending a tenant, a login) may have no tenant.
    On PostgreSQL the app role may only INSERT and SELECT here.
    """

    __tablename__ = "audit_log"
    __tenant_nullable__ = True
    # No INSERT … RETURNING: under RLS a platform row may be written from a tenant's scope but not
    # read back there, and RETURNING would need to read it. The id comes from the sequence first.
    __table_args__ = {"implicit_returning": False}

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Dotted verb, e.g. ``auth.login``, ``tenant.suspend``, ``operator.view``.
    action: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    object_type: Mapped[str | None] = mapped_column(sa.String(80))
    object_id: Mapped[str | None] = mapped_column(sa.String(80))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)

    actor = relationship("User", lazy="joined")
