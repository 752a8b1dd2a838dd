"""Versions of a tenant's policy document and the board approval records that approved them."""
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.tenancy import TenantOwned


class PolicyStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    superseded = "superseded"


class PolicyVersion(TenantOwned, db.Model):
    """One rendering of the shared template for one tenant, frozen when it is made.

    The key is (tenant_id, number), so rows stay co-located by tenant if the table is distributed.
    """

    __tablename__ = "policy_versions"
    __table_args__ = (sa.PrimaryKeyConstraint("tenant_id", "number"),)

    #: 1, 2, 3 … within the tenant.
    number: Mapped[int] = mapped_column(sa.Integer, autoincrement=False)
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False, default=PolicyStatus.draft)
    #: The tenant's names and settings the version was rendered from.
    settings: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    title_ar: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    title_en: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    #: The rendered document (table of contents and sections) as HTML, frozen: what the board approves
    #: is exactly what the public later reads, whatever later happens to the template. Loaded only
    #: when a page shows the version (lists do not need them).
    body_ar: Mapped[str] = mapped_column(sa.Text, nullable=False, deferred=True, deferred_group="document")
    body_en: Mapped[str] = mapped_column(sa.Text, nullable=False, deferred=True, deferred_group="document")
    #: SHA-256 of what the version says (the text of both bodies and the wording of its clauses):
    #: a change of settings, of the tenant's wording or of the shared wording it uses makes a new draft
    #: only when this changes. A board approval records it.
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: The clauses the version uses, in order: id, kind, source (shared / own / added), the Arabic and
    #: English wording, the clause's own word for the beneficiary, omitted or moved. None for versions
    #: made before the clause library.
    clauses: Mapped[list | None] = mapped_column(sa.JSON, deferred=True, deferred_group="document")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it became the public policy; the public page shows the approved version published last.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User", lazy="joined", foreign_keys=[created_by_id])
    approvals = relationship(
        "BoardApproval", back_populates="version", lazy="selectin", order_by="BoardApproval.position",
        primaryjoin="and_(PolicyVersion.tenant_id == foreign(BoardApproval.tenant_id), "
                    "PolicyVersion.number == foreign(BoardApproval.version_number))",
    )

    def title(self, locale: str) -> str:
        return self.title_ar if locale == "ar" else self.title_en

    def body(self, locale: str) -> str:
        return self.body_ar if locale == "ar" else self.body_en

    def __repr__(self) -> str:
        return f"<PolicyVersion {self.tenant_id}#{self.number} {self.status}>"


class BoardApproval(TenantOwned, db.Model):
    """A board of directors' approval of one policy version, kept exactly as the minutes wrote it."""

    __tablename__ = "board_approvals"
    __table_args__ = (
        sa.PrimaryKeyConstraint("tenant_id", "version_number", "position"),
        sa.ForeignKeyConstraint(["tenant_id", "version_number"],
                                ["policy_versions.tenant_id", "policy_versions.number"], ondelete="RESTRICT"),
    )

    version_number: Mapped[int] = mapped_column(sa.Integer, autoincrement=False)
    #: 1, 2 … among the records of one version.
    position: Mapped[int] = mapped_column(sa.Integer, autoincrement=False)
    #: Meeting and session numbers as written ("08", "الثاني", "24-45-8").
    meeting: Mapped[str | None] = mapped_column(sa.String(80))
    session: Mapped[str | None] = mapped_column(sa.String(80))
    #: The weekday as written, right or wrong; the calendar check warns, it never corrects.
    weekday: Mapped[str | None] = mapped_column(sa.String(40))
    #: YYYY-MM-DD in the Umm al-Qura calendar, as written.
    hijri_date: Mapped[str | None] = mapped_column(sa.String(10))
    gregorian_date: Mapped[date | None] = mapped_column(sa.Date)
    #: The title of the policy the minutes say was approved.
    policy_title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    #: The record's sentence as written in the minutes, if given.
    text_ar: Mapped[str | None] = mapped_column(sa.Text)
    #: The fingerprint of the text the board approved (the version's when it was recorded, or the one the
    #: tenant file names): the approval belongs to that text and no other. None for older records.
    text_hash: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    version = relationship(PolicyVersion, back_populates="approvals", viewonly=True,
                           primaryjoin="and_(PolicyVersion.tenant_id == foreign(BoardApproval.tenant_id), "
                                       "PolicyVersion.number == foreign(BoardApproval.version_number))")
    recorded_by = relationship("User", lazy="joined", foreign_keys=[recorded_by_id])

    def as_record(self) -> dict:
        """The record as the calendar cross-check reads it."""
        return {"meeting": self.meeting, "session": self.session, "weekday": self.weekday,
                "hijri_date": self.hijri_date, "gregorian_date": self.gregorian_date,
                "policy_title": self.policy_title, "text_ar": self.text_ar, "text_hash": self.text_hash}
