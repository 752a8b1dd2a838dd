"""Daily attendance: the sheet of a session day, marking it, and attendance rates.

Attendance rate = sessions attended (present or late) ÷ sessions counted (present, late or absent).
An excused absence is not counted either way, and neither is a session whose sheet was not taken.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import audit
from core.beneficiaries.errors import FormErrors, IllegalTransition
from core.extensions import db
from core.models.base import utcnow
from core.programs.models import Attendance, Participant, ProgramSession, Receipt, Registration
from core.programs.schemas import ATTENDANCE
from core.programs.states import ProgramState, RegistrationState
from core.workflow.deadlines import today

ATTENDED = ("present", "late")
COUNTED = ("present", "late", "absent")


@dataclass
class Tally:
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0

    def add(self, status: str, n: int = 1) -> None:
        setattr(self, status, getattr(self, status) + n)

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def counted(self) -> int:
        return self.present + self.late + self.absent

    @property
    def rate(self) -> Decimal | None:
        """Percentage with one decimal (None when nothing counts yet)."""
        if not self.counted:
            return None
        return (Decimal(100 * self.attended) / self.counted).quantize(Decimal("0.1"), ROUND_HALF_UP)


def enrolled(program) -> list[tuple[Registration, Participant]]:
    """The program's enrolled participants, by name: the rows of every attendance sheet."""
    return list(db.session.execute(
        sa.select(Registration, Participant)
        .join(Participant, sa.and_(Participant.tenant_id == Registration.tenant_id,
                                   Participant.id == Registration.participant_id))
        .where(Registration.program_id == program.id, Registration.state == RegistrationState.enrolled)
        .order_by(Participant.name_search, Registration.id)))


def sheet(session: ProgramSession) -> dict[int, str]:
    """{registration id: status} already marked for this session."""
    return dict(db.session.execute(sa.select(Attendance.registration_id, Attendance.status)
                                   .where(Attendance.session_id == session.id)).all())


def receipts_to_hand_over(program) -> dict[int, Receipt]:
    """{registration id: receipt} for vouchers not yet handed to the participant."""
    rows = db.session.scalars(sa.select(Receipt).join(Registration, sa.and_(
        Registration.tenant_id == Receipt.tenant_id, Registration.id == Receipt.registration_id))
        .where(Registration.program_id == program.id, Receipt.handed_over_at.is_(None)))
    return {r.registration_id: r for r in rows}


def mark(program, session: ProgramSession, form, actor) -> dict[str, int]:
    """Save the whole sheet at once: `status-<registration id>` for each enrolled participant, and with
    `fill` the status of everyone left blank."""
    if program.state not in (ProgramState.published, ProgramState.registration_closed, ProgramState.completed):
        raise IllegalTransition(_("Attendance is kept only for an announced program."))
    if session.cancelled:
        raise IllegalTransition(_("This session was cancelled."))
    if session.day > today():
        raise IllegalTransition(_("This session is on {date}: attendance is taken on the day.").format(
            date=session.day.isoformat()))
    rows = enrolled(program)
    #: "Save: everyone else present": rows left blank take this status.
    fill = form.get("fill") if form.get("fill") in ATTENDANCE else None
    wanted, errors = {}, {}
    for registration, _person in rows:
        value = form.get(f"status-{registration.id}", "")
        if value in ATTENDANCE:
            wanted[registration.id] = value
        elif value:
            errors[f"status-{registration.id}"] = str(_l("Choose one of the options."))
        elif fill:
            wanted[registration.id] = fill
    if errors:
        raise FormErrors(errors)
    if not wanted:
        raise FormErrors({"sheet": str(_l("Mark at least one participant."))})
    existing = {a.registration_id: a for a in db.session.scalars(
        sa.select(Attendance).where(Attendance.session_id == session.id))}
    now, changed = utcnow(), {}
    for registration_id, status in wanted.items():
        row = existing.get(registration_id)
        if row is None:
            db.session.add(Attendance(session_id=session.id, registration_id=registration_id, status=status,
                                      marked_at=now, marked_by_id=actor.id))
        elif row.status != status:
            row.status, row.marked_at, row.marked_by_id = status, now, actor.id
        else:
            continue
        changed[registration_id] = status
    session.attendance_taken_at, session.attendance_taken_by_id = now, actor.id
    db.session.flush()
    counts = Tally()
    for status in wanted.values():
        counts.add(status)
    audit.record("program.attendance", session, after={
        "program": program.id, "day": session.day.isoformat(), "changed": len(changed),
        "present": counts.present, "late": counts.late, "absent": counts.absent, "excused": counts.excused})
    return {"changed": len(changed), "marked": len(wanted)}


def tallies(program) -> dict[int, Tally]:
    """{registration id: Tally} over the program's sessions (cancelled sessions excluded)."""
    rows = db.session.execute(
        sa.select(Attendance.registration_id, Attendance.status, sa.func.count())
        .join(ProgramSession, sa.and_(ProgramSession.tenant_id == Attendance.tenant_id,
                                      ProgramSession.id == Attendance.session_id))
        .where(ProgramSession.program_id == program.id, ProgramSession.cancelled.is_(False))
        .group_by(Attendance.registration_id, Attendance.status))
    found: dict[int, Tally] = {}
    for registration_id, status, count in rows:
        found.setdefault(registration_id, Tally()).add(status, count)
    return found


def program_tally(per_registration: dict[int, Tally], registration_ids) -> Tally:
    """The program's totals over the given registrations (its enrolled participants)."""
    total = Tally()
    for registration_id in registration_ids:
        tally = per_registration.get(registration_id)
        if tally:
            for status in ATTENDANCE:
                total.add(status, getattr(tally, status))
    return total
