"""The program's electronic report (التقرير الإلكتروني عن تقديم البرنامج): figures from the data, as a
page, a PDF and a CSV file."""
import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from core.extensions import db
from core.programs import attendance
from core.programs.attendance import Tally
from core.programs.models import Interview, Participant, ProgramSession, Receipt, Registration
from core.programs.states import RegistrationState
from core.surveys import results as survey_results


@dataclass
class Line:
    registration: Registration
    participant: Participant
    receipt: Receipt | None
    tally: Tally


@dataclass
class Report:
    program: object
    registrations: int = 0
    by_channel: Counter = field(default_factory=Counter)
    by_state: Counter = field(default_factory=Counter)
    minors: int = 0
    complete: int = 0
    interviews_held: int = 0
    interviews_accepted: int = 0
    interviews_rejected: int = 0
    receipts: int = 0
    fees_collected: Decimal = Decimal("0")
    fees_awaited: Decimal = Decimal("0")
    sessions_planned: int = 0
    sessions_held: int = 0
    attendance: Tally = field(default_factory=Tally)
    lines: list[Line] = field(default_factory=list)
    #: The satisfaction survey sent when the program was completed (averages once enough answered).
    satisfaction: survey_results.Satisfaction | None = None


def build(program) -> Report:
    """Every figure counted from the program's rows (a fixed number of queries, whatever its size)."""
    report = Report(program=program)
    rows = db.session.execute(
        sa.select(Registration, Participant, Receipt)
        .join(Participant, sa.and_(Participant.tenant_id == Registration.tenant_id,
                                   Participant.id == Registration.participant_id))
        .outerjoin(Receipt, sa.and_(Receipt.tenant_id == Registration.tenant_id,
                                    Receipt.registration_id == Registration.id))
        .where(Registration.program_id == program.id)
        .order_by(Participant.name_search, Registration.id)).all()
    tallies = attendance.tallies(program)
    for registration, person, receipt in rows:
        report.registrations += 1
        report.by_channel[registration.channel] += 1
        report.by_state[registration.state] += 1
        report.minors += bool(registration.guardian_name)
        report.complete += registration.checked_at is not None
        if receipt is not None:
            report.receipts += 1
            report.fees_collected += receipt.amount
        if registration.state == RegistrationState.awaiting_fee:
            report.fees_awaited += registration.fee_due
        if registration.state == RegistrationState.enrolled:
            report.lines.append(Line(registration, person, receipt,
                                     tallies.get(registration.id, Tally())))
    report.attendance = attendance.program_tally(tallies, [line.registration.id for line in report.lines])
    outcomes = Counter(db.session.scalars(
        sa.select(Interview.outcome).join(Registration, sa.and_(
            Registration.tenant_id == Interview.tenant_id, Registration.id == Interview.registration_id))
        .where(Registration.program_id == program.id, Interview.outcome.is_not(None))))
    report.interviews_accepted, report.interviews_rejected = outcomes["accepted"], outcomes["rejected"]
    report.interviews_held = sum(outcomes.values())
    sessions = db.session.execute(
        sa.select(ProgramSession.attendance_taken_at.is_not(None), sa.func.count())
        .where(ProgramSession.program_id == program.id, ProgramSession.cancelled.is_(False))
        .group_by(ProgramSession.attendance_taken_at.is_not(None))).all()
    report.sessions_planned = sum(count for _taken, count in sessions)
    report.sessions_held = sum(count for taken, count in sessions if taken)
    report.satisfaction = survey_results.for_subject(f"program:{program.id}")
    return report


def rate_text(rate) -> str:
    return "" if rate is None else f"{rate}%"


def to_csv(report: Report, state_label, channel_label, question_label=str) -> str:
    """The report as CSV (UTF-8 with a BOM so spreadsheet programs read the Arabic): the figures, then
    one line per enrolled participant."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    a = report.attendance
    writer.writerow([_("Program"), report.program.title])
    writer.writerows([
        [_("Registrations"), report.registrations],
        *[[channel_label(code), count] for code, count in sorted(report.by_channel.items())],
        [_("Registered through a guardian"), report.minors],
        [_("Data complete"), report.complete],
        *[[state_label(state), report.by_state.get(state, 0)] for state in RegistrationState],
        [_("Interviews held"), report.interviews_held],
        [_("Accepted at interview"), report.interviews_accepted],
        [_("Not accepted at interview"), report.interviews_rejected],
        [_("Receipt vouchers"), report.receipts],
        [_("Fees collected (SAR)"), f"{report.fees_collected:.2f}"],
        [_("Fees awaited (SAR)"), f"{report.fees_awaited:.2f}"],
        [_("Sessions planned"), report.sessions_planned],
        [_("Sessions with attendance taken"), report.sessions_held],
        [_("Attendance rate"), rate_text(a.rate)],
    ])
    sat = report.satisfaction
    if sat is not None:
        writer.writerow([_("Satisfaction survey answers"), sat.responses])
        writer.writerow([_("Average satisfaction (1 to 5)"), "" if sat.average is None else f"{sat.average:.2f}"])
        writer.writerows([question_label(code), "" if avg is None else f"{avg:.2f}"]
                         for code, avg in sat.by_question.items())
    writer.writerow([])
    writer.writerow([_("Registration"), _("Name"), _("Age at start"), _("Channel"), _("Receipt voucher"),
                     _("Fee paid (SAR)"), _("Present"), _("Late"), _("Absent"), _("Excused"), _("Attendance rate")])
    for line in report.lines:
        t = line.tally
        writer.writerow([line.registration.number, line.participant.name, line.registration.age_at_start,
                         channel_label(line.registration.channel),
                         line.receipt.number if line.receipt else "",
                         f"{line.receipt.amount:.2f}" if line.receipt else "",
                         t.present, t.late, t.absent, t.excused, rate_text(t.rate)])
    return out.getvalue()
