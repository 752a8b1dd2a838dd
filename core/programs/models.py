"""Programs, their session days, participants, registrations, interviews, receipt vouchers, attendance."""
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import Timestamped, UTCDateTime, utcnow
from core.models.keys import ID_TYPE, TenantKeyed, tenant_fk, tenant_relationship

USER_FK = dict(ondelete="SET NULL")


class Program(TenantKeyed, Timestamped, db.Model):
    """A program the association announces: who it is for, when, how many seats, what it costs."""

    __tablename__ = "programs"
    __table_args__ = (
        sa.Index("ix_programs_tenant_state_id", "tenant_id", "state", "id"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("fee >= 0", name="fee_not_negative"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    target_group: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    #: Age range, in whole years on the program's start date (either end may be open).
    min_age: Mapped[int | None] = mapped_column()
    max_age: Mapped[int | None] = mapped_column()
    #: any | male | female
    gender: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="any")
    capacity: Mapped[int] = mapped_column(nullable=False)
    #: Saudi riyals; 0 = free.
    fee: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False, default=Decimal("0"))
    starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    #: Python weekday numbers (Monday 0 … Sunday 6) on which sessions are held.
    session_weekdays: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    session_start: Mapped[time | None] = mapped_column(sa.Time)
    session_end: Mapped[time | None] = mapped_column(sa.Time)
    location: Mapped[str | None] = mapped_column(sa.String(200))
    #: The acceptance conditions as published, one line each; an interview is recorded against them.
    conditions: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    requires_interview: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: Last day of online registration (None: until the day before the start).
    registration_closes_on: Mapped[date | None] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="draft")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def has_fee(self) -> bool:
        return bool(self.fee) and self.fee > 0


class ProgramSession(TenantKeyed, db.Model):
    """One session day of a program: its attendance sheet and its reminder."""

    __tablename__ = "program_sessions"
    __table_args__ = (
        tenant_fk("program_id", "programs", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "program_id", "day"),
        sa.Index("ix_program_sessions_tenant_day", "tenant_id", "day"),
    )

    program_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    day: Mapped[date] = mapped_column(sa.Date, nullable=False)
    cancelled: Mapped[bool] = mapped_column(nullable=False, default=False)
    #: When the reminder to the enrolled participants went to the outbox (once per session).
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_taken_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))

    program = tenant_relationship("ProgramSession", "program_id", "Program")


class Participant(TenantKeyed, Timestamped, db.Model):
    """A person who registered for a program: linked to the beneficiary file with the same ID, if any."""

    __tablename__ = "program_participants"
    __table_args__ = (
        tenant_fk("beneficiary_id", "beneficiaries"),
        sa.UniqueConstraint("tenant_id", "national_id"),
        sa.Index("ix_program_participants_tenant_name", "tenant_id", "name_search"),
    )

    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    name_search: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    national_id: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    birth_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    gender: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: E.164; a minor may have none (the guardian's is used).
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    language: Mapped[str] = mapped_column(sa.String(5), nullable=False, default="ar")
    #: The beneficiary file with this national ID in the association, when one exists.
    beneficiary_id: Mapped[int | None] = mapped_column()

    beneficiary = tenant_relationship("Participant", "beneficiary_id", "Beneficiary")


class Registration(TenantKeyed, Timestamped, db.Model):
    """One person's registration for one program, through the states in core.programs.states."""

    __tablename__ = "program_registrations"
    __table_args__ = (
        tenant_fk("program_id", "programs"),
        tenant_fk("participant_id", "program_participants"),
        sa.UniqueConstraint("tenant_id", "number"),
        sa.UniqueConstraint("tenant_id", "program_id", "participant_id"),
        sa.UniqueConstraint("tenant_id", "token_hash"),
        sa.Index("ix_program_registrations_tenant_program_state", "tenant_id", "program_id", "state", "id"),
    )

    #: What the registrant quotes: 1, 2, 3 … within the association.
    number: Mapped[int] = mapped_column(nullable=False)
    program_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    participant_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    #: online | in_person
    channel: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    state: Mapped[str] = mapped_column(sa.String(30), nullable=False, default="submitted")
    #: Whole years on the program's start date, as checked at registration.
    age_at_start: Mapped[int] = mapped_column(nullable=False)
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))
    # a minor registers through a guardian, whose consent is recorded
    guardian_name: Mapped[str | None] = mapped_column(sa.String(200))
    guardian_national_id: Mapped[str | None] = mapped_column(sa.String(10))
    guardian_relation: Mapped[str | None] = mapped_column(sa.String(20))
    guardian_mobile: Mapped[str | None] = mapped_column(sa.String(20))
    guardian_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The consent text the guardian agreed to, as shown at the time.
    guardian_consent_text: Mapped[str | None] = mapped_column(sa.Text)
    # the completeness check
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))
    #: What is missing or does not match (told to the registrant).
    missing_note: Mapped[str | None] = mapped_column(sa.Text)
    # the fee: the program's fee when the person registered, and the proof of payment
    fee_due: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False, default=Decimal("0"))
    proof_name: Mapped[str | None] = mapped_column(sa.String(200))
    proof_stored_name: Mapped[str | None] = mapped_column(sa.String(80))
    proof_content_type: Mapped[str | None] = mapped_column(sa.String(60))
    proof_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the seat
    seat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Order on the waiting list (earliest first).
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: For a rejection or a withdrawal: the reason, as told to the registrant.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: sha256 of the registrant's status link token (the link itself is only sent, never stored).
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    program = tenant_relationship("Registration", "program_id", "Program")
    participant = tenant_relationship("Registration", "participant_id", "Participant")

    @property
    def is_minor_registration(self) -> bool:
        return bool(self.guardian_name)


class Interview(TenantKeyed, db.Model):
    """The personal interview of a registrant of an interview program, and its outcome."""

    __tablename__ = "program_interviews"
    __table_args__ = (
        tenant_fk("registration_id", "program_registrations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "registration_id"),
        sa.Index("ix_program_interviews_tenant_scheduled", "tenant_id", "scheduled_at"),
    )

    registration_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    place: Mapped[str | None] = mapped_column(sa.String(200))
    interviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))
    #: accepted | rejected (None until recorded)
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    #: [{"condition": text as published, "met": bool}, …]
    conditions_met: Mapped[list | None] = mapped_column(sa.JSON)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Receipt(TenantKeyed, db.Model):
    """A receipt voucher (سند قبض) for a program fee, numbered per association."""

    __tablename__ = "program_receipts"
    __table_args__ = (
        tenant_fk("registration_id", "program_registrations"),
        sa.UniqueConstraint("tenant_id", "number"),
        sa.UniqueConstraint("tenant_id", "registration_id"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    #: 1, 2, 3 … per association, in the order vouchers are issued.
    number: Mapped[int] = mapped_column(nullable=False)
    registration_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=False)
    #: cash | bank_transfer | card
    method: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    payer_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))
    #: When the voucher was handed to the participant (on attending).
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))

    registration = tenant_relationship("Receipt", "registration_id", "Registration")


class Attendance(TenantKeyed, db.Model):
    """One line of a session's attendance sheet."""

    __tablename__ = "program_attendance"
    __table_args__ = (
        tenant_fk("session_id", "program_sessions", ondelete="CASCADE"),
        tenant_fk("registration_id", "program_registrations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "session_id", "registration_id"),
        sa.Index("ix_program_attendance_tenant_registration", "tenant_id", "registration_id"),
    )

    session_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    registration_id: Mapped[int] = mapped_column(ID_TYPE, nullable=False)
    #: present | late | absent | excused
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", **USER_FK))
