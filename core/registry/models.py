"""The platform's table of keyed hashes: which associations hold a live file for an ID (nothing else)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed, tenant_fk


class RegistryEntry(db.Model):
    """A platform table (not tenant-owned, no RLS): it holds no personal data but a keyed hash."""

    __tablename__ = "registry_entries"
    __table_args__ = (sa.Index("ix_registry_entries_hash", "id_hash"),)

    #: The association holding the file. Not named tenant_id on purpose: this is not a tenant-owned table
    #: (no RLS), it is the one platform table the check reads.
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    #: The file's id in its association (so that association's audit log can name its own file).
    beneficiary_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: HMAC-SHA256 of the national ID under REGISTRY_HMAC_KEY, hex.
    id_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)


class RegistryCheck(TenantKeyed, db.Model):
    """One check asked by this association: the consent recorded and the answer given (yes/no)."""

    __tablename__ = "registry_checks"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.Index("ix_registry_checks_tenant_beneficiary", "tenant_id", "beneficiary_id", "id"),
    )

    beneficiary_id: Mapped[int] = mapped_column(nullable=False)
    #: How the beneficiary consented: in_person | signed_form | online
    consent_method: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    consent_note: Mapped[str | None] = mapped_column(sa.String(500))
    found: Mapped[bool] = mapped_column(nullable=False)
    #: Names of the associations that allow theirs to be shown (others count only in `found`).
    disclosed: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
