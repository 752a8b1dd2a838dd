"""The tenant: one association on the platform."""
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import Timestamped


class TenantStatus(StrEnum):
    active = "active"
    suspended = "suspended"


class Tenant(Timestamped, db.Model):
    """A platform table (not tenant-owned): it is what resolves a URL to a scope."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True, nullable=False)
    name_ar: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False, default=TenantStatus.active)
    #: The validated tenant file (channels, tools, review body, modules …) as a JSON document.
    settings: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    #: Optimistic lock, checked in the UPDATE itself: two saves of the settings from pages opened at the
    #: same version cannot both succeed.
    version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.active

    def name(self, locale: str) -> str:
        return self.name_ar if locale == "ar" else self.name_en

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
