"""Programs: create, change, announce, close, complete, cancel; their session days.

Each operation checks, writes, flushes and audits in the caller's transaction; a domain error means
nothing was written.
"""
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.beneficiaries.errors import ConflictError, FormErrors, IllegalTransition, NotAllowed
from core.beneficiaries.operations import CONFLICT, plain
from core.extensions import db
from core.holidays import holidays_for
from core.models.base import utcnow
from core.programs import INTERVIEW_MODULE, REGISTRATION_MODULE, modules_on, registrations
from core.programs.models import Attendance, Participant, Program, ProgramSession, Registration
from core.programs.schemas import ProgramActionSchema, ProgramSchema, ProgramUpdateSchema, load
from core.programs.states import PROGRAM_TRANSITIONS, ProgramAction, ProgramState, RegistrationState
from core.surveys.operations import Contact, invite, program_subject
from core.workflow.deadlines import today

FIELDS = ("title", "description", "target_group", "min_age", "max_age", "gender", "capacity", "fee", "starts_on",
          "ends_on", "session_weekdays", "session_start", "session_end", "location", "conditions",
          "requires_interview", "registration_closes_on")


def snapshot(program: Program) -> dict:
    return {name: plain(getattr(program, name)) if name not in ("session_start", "session_end")
            else (getattr(program, name).strftime("%H:%M") if getattr(program, name) else None) for name in FIELDS}


def _check_kind(tenant, data) -> None:
    """An interview program needs program_interviews on; a registration program program_registration."""
    on = modules_on(tenant)
    if data["requires_interview"] and INTERVIEW_MODULE not in on:
        raise FormErrors({"requires_interview": str(_l("Programs with a personal interview are not enabled "
                                                       "for this association."))})
    if not data["requires_interview"] and REGISTRATION_MODULE not in on:
        raise FormErrors({"requires_interview": str(_l("This association runs only programs with a personal "
                                                       "interview: tick it."))})


def session_days(tenant, program: Program) -> list[date]:
    """The program's session days: its weekdays between start and end, minus the tenant's holidays."""
    off = holidays_for(tenant, program.starts_on, program.ends_on)
    weekdays = set(program.session_weekdays or [])
    days, day = [], program.starts_on
    while day <= program.ends_on:
        if day.weekday() in weekdays and day not in off:
            days.append(day)
        day += timedelta(days=1)
    return days


def sessions_of(program: Program) -> list[ProgramSession]:
    return list(db.session.scalars(sa.select(ProgramSession).where(ProgramSession.program_id == program.id)
                                   .order_by(ProgramSession.day)))


def sync_sessions(tenant, program: Program) -> None:
    """Make the session rows match the program's dates: add new days; a dropped day is removed, or
    kept as cancelled when its attendance was already taken."""
    wanted = set(session_days(tenant, program))
    existing = {s.day: s for s in sessions_of(program)}
    marked = set(db.session.scalars(sa.select(Attendance.session_id).where(
        Attendance.session_id.in_([s.id for s in existing.values()])).distinct()))
    for day, session in existing.items():
        if day in wanted:
            session.cancelled = False
        elif session.id in marked:
            session.cancelled = True
        else:
            db.session.delete(session)
    for day in sorted(wanted - existing.keys()):
        db.session.add(ProgramSession(program_id=program.id, day=day))
    db.session.flush()


def create_program(tenant, form, actor) -> Program:
    data = load(ProgramSchema(), form, lists=("session_weekdays",))
    _check_kind(tenant, data)
    program = Program(state=ProgramState.draft, created_by_id=actor.id, **{k: data[k] for k in FIELDS})
    db.session.add(program)
    db.session.flush()
    sync_sessions(tenant, program)
    audit.record("program.create", program, after=snapshot(program))
    return program


def update_program(tenant, program: Program, form, actor) -> Program:
    if program.state not in (ProgramState.draft, ProgramState.published, ProgramState.registration_closed):
        raise IllegalTransition(_("A completed or cancelled program can no longer be changed."))
    data = load(ProgramUpdateSchema(), form, lists=("session_weekdays",))
    if data["version"] != program.version:
        raise ConflictError(CONFLICT)
    _check_kind(tenant, data)
    if program.state != ProgramState.draft and data["requires_interview"] != program.requires_interview:
        raise FormErrors({"requires_interview": str(_l("Whether an interview is needed cannot change once the "
                                                       "program is announced."))})
    taken = registrations.seats_taken(program)
    if data["capacity"] < taken:
        raise FormErrors({"capacity": ngettext("%(num)d seat is already taken: the capacity cannot be lower.",
                                               "%(num)d seats are already taken: the capacity cannot be lower.",
                                               taken)})
    before = snapshot(program)
    for name in FIELDS:
        setattr(program, name, data[name])
    after = snapshot(program)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return program
    program.updated_at = utcnow()
    _flush()
    sync_sessions(tenant, program)
    audit.record("program.update", program, before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
    if program.state != ProgramState.draft:
        registrations.fill_free_seats(tenant, program, actor)
    return program


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(CONFLICT) from exc


def apply_program_action(tenant, program: Program, action: ProgramAction, form, actor, roles) -> Program:
    transition = PROGRAM_TRANSITIONS[action]
    if not transition.roles & set(roles):
        raise NotAllowed(_("Your role does not allow you to “{action}”.").format(action=action.label))
    if program.state not in transition.sources:
        raise IllegalTransition(_("This program is “{state}”: “{action}” is not possible now.").format(
            state=ProgramState(program.state).label, action=action.label))
    data = load(ProgramActionSchema(), form)
    if data["version"] != program.version:
        raise ConflictError(CONFLICT)
    before = program.state
    now = utcnow()
    if action == ProgramAction.publish:
        if not sessions_of(program):
            raise IllegalTransition(_("The program has no session day: check its dates and weekdays."))
        program.published_at = now
    elif action == ProgramAction.complete:
        if today() < program.ends_on:
            raise IllegalTransition(_("The program runs until {date}: it can be completed from that day.").format(
                date=program.ends_on.isoformat()))
        program.completed_at = now
    elif action == ProgramAction.cancel:
        if not data.get("reason"):
            raise FormErrors({"reason": str(_l("Give the reason: registrants are told it."))})
        program.cancelled_at, program.cancel_reason = now, data["reason"]
    program.state = transition.target
    _flush()
    audit.record(f"program.{action}", program, before={"state": before},
                 after={"state": program.state, **({"reason": data["reason"]} if data.get("reason") else {})})
    if action == ProgramAction.cancel:
        registrations.program_cancelled(tenant, program, actor)
    elif action == ProgramAction.complete:
        invite_to_survey(tenant, program, now)
    return program


def invite_to_survey(tenant, program: Program, now) -> int:
    """Ask each person enrolled in a completed programme how it went (one-time survey link).

    A minor is reached through the guardian's mobile. Returns the number of invitations sent."""
    subject = program_subject(program.id, program.title, program.title)
    rows = db.session.execute(
        sa.select(Registration, Participant).join(Participant, Participant.id == Registration.participant_id)
        .where(Registration.program_id == program.id, Registration.state == RegistrationState.enrolled)
        .order_by(Registration.id)).all()
    sent = 0
    for registration, participant in rows:
        contact = Contact(name=participant.name, mobile=participant.mobile or registration.guardian_mobile,
                          email=participant.email, language=participant.language,
                          beneficiary_id=participant.beneficiary_id)
        if invite(tenant, contact, subject, now=now) is not None:
            sent += 1
    return sent


def list_programs(state: str | None = None, after: int | None = None, limit: int = 50):
    """A page of the tenant's programs, newest first (keyset on id)."""
    query = sa.select(Program).order_by(Program.id.desc()).limit(limit + 1)
    if state:
        query = query.where(Program.state == state)
    if after:
        query = query.where(Program.id < after)
    rows = list(db.session.scalars(query))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def public_programs() -> list[Program]:
    """Announced programs, soonest first, as the portal lists them."""
    return list(db.session.scalars(sa.select(Program).where(Program.state == ProgramState.published)
                                   .order_by(Program.starts_on, Program.id).limit(100)))
