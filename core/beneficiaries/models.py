"""The beneficiary file and what hangs off it."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.base import Timestamped, UTCDateTime, utcnow
from core.models.keys import SequencedId, sequenced_id, tenant_collection, tenant_fk
from core.tenancy import TenantOwned

#: Tables only PostgreSQL has, made and kept by their migration, not by a model: the words of the files'
#: names (`beneficiary_name_words`, migration a3d7e1f9c254, read by core.workflow.queries.name_query), which
#: a trigger keeps. Comparing the models with the database passes over them (`migrations/env.py`).
DATABASE_ONLY_TABLES = frozenset({"beneficiary_name_words"})


def not_database_only(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: leave the tables above out of the models' comparison."""
    return not (type_ == "table" and name in DATABASE_ONLY_TABLES)


class TenantCounter(TenantOwned, db.Model):
    """Per-tenant sequences (file numbers, request references), so numbers are dense per association."""

    __tablename__ = "tenant_counters"
    __table_args__ = (sa.PrimaryKeyConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[int] = mapped_column(nullable=False, default=0)


class Beneficiary(SequencedId, TenantOwned, Timestamped, db.Model):
    """One person's file (ملف المستفيد)."""

    __tablename__ = "beneficiaries"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "file_number"),
        sa.UniqueConstraint("tenant_id", "national_id"),
        # PostgreSQL: trigram GIN led by tenant_id (btree_gin), for name search inside names.
        sa.Index("ix_beneficiaries_tenant_name", "tenant_id", "name_search", postgresql_using="gin",
                 postgresql_ops={"name_search": "gin_trgm_ops"}),
        sa.Index("ix_beneficiaries_tenant_mobile", "tenant_id", "mobile"),
        sa.Index("ix_beneficiaries_tenant_researcher", "tenant_id", "researcher_id"),
        sa.Index("ix_beneficiaries_tenant_status", "tenant_id", "status"),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )

    id: Mapped[int] = sequenced_id("beneficiaries")
    #: What staff and the beneficiary quote: 1, 2, 3 … within the association.
    file_number: Mapped[int] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: core.arabic.normalise(name): what name search compares against.
    name_search: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: Saudi national ID (starts with 1) or iqama (starts with 2), 10 digits, check digit verified.
    national_id: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: ISO 3166 alpha-2 code ("SA") or another country's code.
    nationality: Mapped[str] = mapped_column(sa.String(2), nullable=False, default="SA")
    gender: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    #: "gregorian" or "hijri": how the birth date was entered (it is stored as a Gregorian date).
    birth_calendar: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="gregorian")
    #: E.164, e.g. +966501234567.
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    marital_status: Mapped[str | None] = mapped_column(sa.String(20))
    #: Language of the messages the beneficiary receives ("ar" or "en").
    language: Mapped[str] = mapped_column(sa.String(5), nullable=False, default="ar")
    researcher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The file's lifecycle (core.lifecycle.states.FileStatus): active unless service controls moved it.
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="active", server_default="active")
    #: Optimistic lock: a save based on an older version is refused ("changed by someone else").
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"primary_key": [id], "version_id_col": version}

    researcher = relationship("User", foreign_keys=[researcher_id], lazy="raise")
    categories = tenant_collection("Beneficiary", "BeneficiaryCategory", "beneficiary_id", lazy="selectin",
                                   cascade="all, delete-orphan", order_by="BeneficiaryCategory.code")
    household = tenant_collection("Beneficiary", "HouseholdMember", "beneficiary_id", cascade="all, delete-orphan",
                                  order_by="HouseholdMember.id")
    incomes = tenant_collection("Beneficiary", "IncomeSource", "beneficiary_id", cascade="all, delete-orphan",
                                order_by="IncomeSource.id")

    @property
    def category_codes(self) -> list[str]:
        return [c.code for c in self.categories]


class BeneficiaryCategory(TenantOwned, db.Model):
    """A category the file belongs to (widow, orphan …): a row each, so lists can filter by it."""

    __tablename__ = "beneficiary_categories"
    __table_args__ = (
        sa.PrimaryKeyConstraint("tenant_id", "beneficiary_id", "code"),
        sa.Index("ix_beneficiary_categories_tenant_code", "tenant_id", "code"),
        tenant_fk("beneficiary_id", "beneficiaries", ondelete="CASCADE"),
    )

    beneficiary_id: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(sa.String(40))

    __mapper_args__ = {"primary_key": [beneficiary_id, code]}


class HouseholdMember(SequencedId, TenantOwned, db.Model):
    __tablename__ = "household_members"
    __table_args__ = (sa.PrimaryKeyConstraint("tenant_id", "id"),
                      tenant_fk("beneficiary_id", "beneficiaries", ondelete="CASCADE"))

    id: Mapped[int] = sequenced_id("household_members")
    beneficiary_id: Mapped[int] = mapped_column(index=True)
    relation: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    national_id: Mapped[str | None] = mapped_column(sa.String(10))
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    disability: Mapped[str | None] = mapped_column(sa.String(200))
    schooling: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: Optimistic lock: a correction made on an older reading of the row is refused (409).
    version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")

    __mapper_args__ = {"primary_key": [id], "version_id_col": version}


class IncomeSource(SequencedId, TenantOwned, db.Model):
    __tablename__ = "income_sources"
    __table_args__ = (sa.PrimaryKeyConstraint("tenant_id", "id"),
                      tenant_fk("beneficiary_id", "beneficiaries", ondelete="CASCADE"))

    id: Mapped[int] = sequenced_id("income_sources")
    beneficiary_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    #: Saudi riyals a month.
    monthly_amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    #: Optimistic lock, as for household members.
    version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")

    __mapper_args__ = {"primary_key": [id], "version_id_col": version}
