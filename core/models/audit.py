"""The append-only audit logs: one per association (`audit_log`) and one for the platform."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import SequencedId, sequenced_id
from core.tenancy import TenantOwned

#: audit_log's id: a BIGSERIAL on PostgreSQL (its sequence numbers every association's rows), SQLite's
#: INTEGER elsewhere (numbered from id_sequences, see SequencedId).
_AUDIT_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class _Entry:
    """The columns both logs share: who did what, when, to which record, with the values before and after."""

    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Dotted verb, e.g. ``auth.login``, ``tenant.suspend``, ``operator.view``.
    action: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    object_type: Mapped[str | None] = mapped_column(sa.String(80))
    object_id: Mapped[str | None] = mapped_column(sa.String(80))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)


class AuditEntry(_Entry, SequencedId, TenantOwned, db.Model):
    """One association's audit log: every row has its tenant, keyed (tenant_id, id) so the table is
    distributed by tenant like the others (docs/scaling.md). On PostgreSQL the app role may only INSERT
    and SELECT here. Ids come from one sequence, so the ORM still knows an entry by its id alone.
    """

    __tablename__ = "audit_log"
    # The key's index (tenant_id, id) also serves the admin list's keyset order (id desc in the tenant)
    # and lookups by tenant: no separate index on tenant_id to keep up on every insert.
    __table_args__ = (sa.PrimaryKeyConstraint("tenant_id", "id"),)

    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False)
    id: Mapped[int] = sequenced_id("audit_log", _AUDIT_ID)

    actor = relationship("User", lazy="joined")

    __mapper_args__ = {"primary_key": [id]}


class PlatformAuditEntry(_Entry, db.Model):
    """Platform events, which belong to no association: logins and logouts, accounts created or disabled,
    operators' views, exports and reports, key rotations, registry rebuilds. An event about one
    association names it in object_type/object_id ("Tenant", its id).

    On PostgreSQL the app role may only INSERT here and the operator role INSERT and SELECT: only
    operators read platform events back. Not a tenant table: it stays on the Citus coordinator.
    """

    __tablename__ = "platform_audit_log"
    # No INSERT … RETURNING: the app role, which writes logins, may not read this table, and RETURNING
    # would need to. The id comes from the sequence first (platform events are few: not a hot path).
    __table_args__ = {"implicit_returning": False}

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)

    actor = relationship("User", lazy="joined")
