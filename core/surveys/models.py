"""Survey invitations (who was asked, by a one-time link) and responses (what was said, by whom not kept)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import ID_TYPE, TenantKeyed, tenant_fk


class SurveyInvitation(TenantKeyed, db.Model):
    """A one-time link sent to a beneficiary (or a programme's contact) about one subject."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        tenant_fk("request_id", "support_requests"),
        sa.UniqueConstraint("tenant_id", "token_hash"),
        #: One invitation per subject and person, however often the inviting job runs.
        sa.UniqueConstraint("tenant_id", "subject_key", "recipient"),
        sa.Index("ix_survey_invitations_tenant_request", "tenant_id", "request_id"),
    )

    #: sha256 of the token in the link; the token itself is only in the message sent.
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    #: "service" (a support request served) or "program" (a programme ended).
    subject_kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: Unique per tenant and subject, e.g. "request:42" or "program:7".
    subject_key: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    subject_label_ar: Mapped[str | None] = mapped_column(sa.String(200))
    subject_label_en: Mapped[str | None] = mapped_column(sa.String(200))
    beneficiary_id: Mapped[int | None] = mapped_column(sa.Integer)
    request_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: Dimensions copied to the response (the response keeps no link back to the person).
    service: Mapped[str | None] = mapped_column(sa.String(40))
    channel: Mapped[str | None] = mapped_column(sa.String(40))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: E-mail address or E.164 mobile the link went to.
    recipient: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    language: Mapped[str] = mapped_column(sa.String(5), nullable=False, default="ar")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: The day the link was used (a day, not a time, so it cannot be matched to a response).
    answered_on: Mapped[date | None] = mapped_column(sa.Date)


class SurveyResponse(TenantKeyed, db.Model):
    """One answered survey. Deliberately no link to the invitation or the person: staff see aggregates."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        sa.Index("ix_survey_responses_tenant_month", "tenant_id", "month", "id"),
        sa.Index("ix_survey_responses_tenant_subject", "tenant_id", "subject_key"),
    )

    #: First day of the month the answer came in (Riyadh calendar).
    month: Mapped[date] = mapped_column(sa.Date, nullable=False)
    subject_kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    #: The programme surveyed ("program:7"); None for a request, whose key would point to the person.
    subject_key: Mapped[str | None] = mapped_column(sa.String(80))
    subject_label_ar: Mapped[str | None] = mapped_column(sa.String(200))
    subject_label_en: Mapped[str | None] = mapped_column(sa.String(200))
    service: Mapped[str | None] = mapped_column(sa.String(40))
    channel: Mapped[str | None] = mapped_column(sa.String(40))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str | None] = mapped_column(sa.Text)


class SurveyAnswer(TenantKeyed, db.Model):
    """One question's score (1–5) in a response."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        tenant_fk("response_id", "survey_responses", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "response_id", "question"),
        sa.Index("ix_survey_answers_tenant_question", "tenant_id", "question"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    response_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    #: A fixed question's code (core.surveys.questions) or one of the tenant's `survey_questions`.
    question: Mapped[str] = mapped_column(sa.String(48), nullable=False)
    score: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False)
