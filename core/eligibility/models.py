"""A request's verification: the checklist's steps, the field visit, the witnesses and the needs study."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed, tenant_fk


def user_fk():
    return sa.ForeignKey("users.id", ondelete="SET NULL")


class VerificationStep(TenantKeyed, db.Model):
    """One step of the checklist on one request, copied from the tenant's checklist when it was opened."""

    __tablename__ = "verification_steps"
    __table_args__ = (
        tenant_fk("request_id", "support_requests", ondelete="CASCADE"),
        tenant_fk("attachment_id", "attachments"),
        sa.UniqueConstraint("tenant_id", "request_id", "code"),
    )

    request_id: Mapped[int] = mapped_column(nullable=False)
    position: Mapped[int] = mapped_column(nullable=False)
    code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    label_ar: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    label_en: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    #: evidence | field_visit | witnesses | needs_study (core.eligibility.checklist.STEP_KINDS)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: Comma-separated category codes for which "not applicable" is refused.
    required_for: Mapped[str | None] = mapped_column(sa.String(200))
    #: pending | done | not_applicable
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="pending")
    #: The evidence note, or the reason the step does not apply.
    note: Mapped[str | None] = mapped_column(sa.Text)
    attachment_id: Mapped[int | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(user_fk())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    def label(self, locale: str) -> str:
        return self.label_ar if locale == "ar" else self.label_en


class FieldVisit(TenantKeyed, db.Model):
    """The field visit report: who visited when, the housing, the furniture, the needs seen."""

    __tablename__ = "field_visits"
    __table_args__ = (
        tenant_fk("request_id", "support_requests", ondelete="CASCADE"),
        sa.Index("ix_field_visits_tenant_request", "tenant_id", "request_id", "id"),
    )

    request_id: Mapped[int] = mapped_column(nullable=False)
    visited_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    visitors: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    #: good | fair | poor | unfit
    housing_condition: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    furniture: Mapped[str] = mapped_column(sa.Text, nullable=False)
    needs_seen: Mapped[str] = mapped_column(sa.Text, nullable=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(user_fk())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class VisitPhoto(TenantKeyed, db.Model):
    """A photo taken on the visit (stored as an attachment of the request)."""

    __tablename__ = "visit_photos"
    __table_args__ = (
        tenant_fk("visit_id", "field_visits", ondelete="CASCADE"),
        tenant_fk("attachment_id", "attachments", ondelete="CASCADE"),
        sa.Index("ix_visit_photos_tenant_visit", "tenant_id", "visit_id", "id"),
    )

    visit_id: Mapped[int] = mapped_column(nullable=False)
    attachment_id: Mapped[int] = mapped_column(nullable=False)


class Witness(TenantKeyed, db.Model):
    __tablename__ = "witnesses"
    __table_args__ = (
        tenant_fk("request_id", "support_requests", ondelete="CASCADE"),
        sa.Index("ix_witnesses_tenant_request", "tenant_id", "request_id", "id"),
    )

    request_id: Mapped[int] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    national_id: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    relation: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    #: E.164.
    phone: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    statement: Mapped[str] = mapped_column(sa.Text, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(user_fk())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class NeedsStudy(TenantKeyed, db.Model):
    """دراسة الاحتياج: the needs found and the services proposed (one per request, edited in place)."""

    __tablename__ = "needs_studies"
    __table_args__ = (
        tenant_fk("request_id", "support_requests", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "request_id"),
    )

    request_id: Mapped[int] = mapped_column(nullable=False)
    needs_found: Mapped[str] = mapped_column(sa.Text, nullable=False)
    services_proposed: Mapped[str] = mapped_column(sa.Text, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(user_fk())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
