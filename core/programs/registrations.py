"""Registrations: taking them (online and at the desk), the state machine's actions, seats and the
waiting list, the fee and its receipt voucher, the proof of payment.

Each operation checks, writes, flushes, audits and adds what the registrant is told to the outbox, all in
the caller's transaction; a domain error means nothing was written.
"""
import hashlib
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.arabic import normalise
from core.beneficiaries.errors import ConflictError, FormErrors, IllegalTransition, NotAllowed
from core.beneficiaries.models import Beneficiary
from core.beneficiaries.numbering import next_number
from core.beneficiaries.operations import CONFLICT, plain
from core.calendar import RIYADH
from core.extensions import db
from core.models import TenantRole, User
from core.models.base import utcnow
from core.programs import messages, schemas
from core.programs.models import Interview, Participant, Program, Receipt, Registration
from core.programs.states import (
    CLOSED,
    INTERVIEW_ONLY,
    REGISTRATION_ONLY,
    SEATED,
    TRANSITIONS,
    Action,
    ProgramState,
    RegistrationState,
)
from core.roles import STAFF_ROLES
from core.workflow import attachments
from core.workflow.deadlines import today

#: Under this age (on the day of registration) a person registers through a guardian.
MINOR_AGE = 18
CONSENT_TEXT = {
    "ar": "أوافق بصفتي وليّ أمر المشارك على تسجيله في هذا البرنامج وعلى أن تحفظ الجمعية البيانات المقدمة "
          "وتستخدمها لهذا الغرض.",
    "en": "As the participant's guardian, I agree to the registration in this program and to the association "
          "keeping and using the data given for this purpose.",
}
S = RegistrationState


def consent_text(locale: str) -> str:
    """The guardian's consent as shown on the form (and stored with the registration)."""
    return CONSENT_TEXT.get(locale, CONSENT_TEXT["ar"])


def age_on(birth: date, day: date) -> int:
    """Whole years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def online_closes_on(program: Program) -> date:
    return program.registration_closes_on or (program.starts_on - timedelta(days=1))


def open_online(program: Program, on: date | None = None) -> bool:
    return program.state == ProgramState.published and (on or today()) <= online_closes_on(program)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def by_token(token: str) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(sa.select(Registration).where(Registration.token_hash == hash_token(token)))


def seats_taken(program: Program) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.program_id == program.id, Registration.state.in_(list(SEATED)))) or 0


def waitlist(program: Program) -> list[Registration]:
    return list(db.session.scalars(sa.select(Registration).where(
        Registration.program_id == program.id, Registration.state == S.waitlisted)
        .order_by(Registration.waitlisted_at, Registration.id)))


def _lock(program: Program) -> None:
    """Seats are counted and given one registration at a time per program (PostgreSQL row lock)."""
    db.session.execute(sa.select(Program.id).where(Program.id == program.id).with_for_update())


def _conditions(program: Program, data: dict, channel: str) -> dict:
    """Field messages for a registration that does not meet the program's published conditions."""
    errors = {}
    age = age_on(data["birth_date"], program.starts_on)
    low, high = program.min_age, program.max_age
    if (low is not None and age < low) or (high is not None and age > high):
        errors["birth_date"] = _("This program is for ages {low} to {high} on its start date ({date}); on that "
                                 "day this person will be {age}.").format(
            low=low if low is not None else 0, high=high if high is not None else "—",
            date=program.starts_on.isoformat(), age=age)
    if program.gender != "any" and data["gender"] != program.gender:
        errors["gender"] = _("This program is for males only.") if program.gender == "male" else \
            _("This program is for females only.")
    minor = age_on(data["birth_date"], today()) < MINOR_AGE
    if minor:
        for name in ("guardian_name", "guardian_national_id", "guardian_relation", "guardian_mobile"):
            if not data.get(name):
                errors[name] = _("A participant under {age} registers through a guardian: this is required.").format(
                    age=MINOR_AGE)
        if not data.get("guardian_consent"):
            errors["guardian_consent"] = _("The guardian's consent is required.")
        if data.get("guardian_national_id") and data["guardian_national_id"] == data["national_id"]:
            errors["guardian_national_id"] = _("The guardian's ID cannot be the participant's.")
    elif not data.get("mobile"):
        errors["mobile"] = _("A mobile number is required so the association can reach you.")
    return errors


def _participant(data: dict) -> Participant:
    """The person's record by national ID (updated with what was just given), linked to their file."""
    person = db.session.scalar(sa.select(Participant).where(Participant.national_id == data["national_id"]))
    if person is None:
        person = Participant(national_id=data["national_id"])
        db.session.add(person)
    person.name, person.name_search = data["name"], normalise(data["name"])
    person.birth_date, person.gender = data["birth_date"], data["gender"]
    person.mobile = data.get("mobile") or person.mobile
    person.email = data.get("email") or person.email
    person.city = data.get("city") or person.city
    person.language = data.get("language") or "ar"
    if person.beneficiary_id is None:
        person.beneficiary_id = db.session.scalar(sa.select(Beneficiary.id).where(
            Beneficiary.national_id == data["national_id"]))
    return person


def register(tenant, program: Program, form, *, channel: str, actor=None, upload=None,
             link: Callable[[str], str] | None = None) -> tuple[Registration, str]:
    """A new registration (online or at the desk); returns it and the registrant's status-link token."""
    if channel == "online" and not open_online(program):
        raise IllegalTransition(_("Online registration for this program is closed."))
    if program.state != ProgramState.published:
        raise IllegalTransition(_("This program is not taking registrations."))
    data = schemas.load(schemas.RegistrationSchema(), form)
    errors = _conditions(program, data, channel)
    if errors:
        raise FormErrors(errors)
    person = _participant(data)
    db.session.flush()
    earlier = db.session.scalar(sa.select(Registration).where(Registration.program_id == program.id,
                                                             Registration.participant_id == person.id))
    if earlier is not None:
        raise FormErrors({"national_id": _("This ID is already registered for this program (registration "
                                           "{number}). Contact the association about it.").format(
            number=earlier.number)})
    token = secrets.token_urlsafe(24)
    now = utcnow()
    minor = age_on(data["birth_date"], today()) < MINOR_AGE
    language = data.get("language") or "ar"
    registration = Registration(
        number=next_number("program-registration"), program_id=program.id, participant_id=person.id,
        channel=channel, state=S.submitted, age_at_start=age_on(data["birth_date"], program.starts_on),
        registered_by_id=getattr(actor, "id", None), fee_due=program.fee or 0, token_hash=hash_token(token))
    if minor:
        registration.guardian_name = data["guardian_name"]
        registration.guardian_national_id = data["guardian_national_id"]
        registration.guardian_relation = data["guardian_relation"]
        registration.guardian_mobile = data["guardian_mobile"]
        registration.guardian_consent_at = now
        registration.guardian_consent_text = CONSENT_TEXT.get(language, CONSENT_TEXT["ar"])
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same person registering twice at the same moment
        db.session.rollback()
        raise ConflictError(_l("This registration was just made by someone else: check the list.")) from exc
    if upload is not None and upload.filename:
        attach_proof(registration, upload, actor)
    audit.record("program.registration.create", registration, after={
        "program": program.id, "number": registration.number, "channel": channel, "state": registration.state,
        "participant": person.id, "beneficiary": person.beneficiary_id, "age_at_start": registration.age_at_start,
        "guardian": bool(minor), "guardian_consent": bool(minor)})
    messages.enqueue("program_registered", tenant, program, registration, person,
                     link=link(token) if link else "")
    return registration, token


def attach_proof(registration: Registration, upload, actor=None) -> None:
    """The proof that the fee was paid (a transfer slip): PDF, PNG or JPEG, checked by its content."""
    if registration.state in CLOSED:
        raise IllegalTransition(_("This registration is closed."))
    if db.session.scalar(sa.select(Receipt.id).where(Receipt.registration_id == registration.id)):
        raise IllegalTransition(_("The fee is already confirmed."))
    if registration.fee_due <= 0:
        raise FormErrors({"file": str(_l("This program has no fee."))})
    if upload is None or not upload.filename:
        raise FormErrors({"file": str(_l("Choose a file."))})
    data = upload.stream.read(attachments.MAX_BYTES + 1)
    if len(data) > attachments.MAX_BYTES:
        raise FormErrors({"file": str(_l("The file is larger than 5 MB."))})
    kind = attachments.sniff(data[:16]) if data else None
    if kind is None:
        raise FormErrors({"file": str(_l("Only PDF, PNG and JPEG files are accepted."))})
    stored = secrets.token_hex(16) + kind[1]
    attachments.save(registration.tenant_id, stored, data)  # before any change: a refused file changes nothing
    registration.proof_name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or stored
    registration.proof_stored_name, registration.proof_content_type = stored, kind[0]
    registration.proof_uploaded_at = utcnow()
    db.session.flush()
    audit.record("program.registration.proof", registration, after={
        "number": registration.number, "name": registration.proof_name, "type": kind[0], "size": len(data)},
        actor=actor)


# --- seats ----------------------------------------------------------------------------------------

def _seat(tenant, program, registration, now) -> list:
    """Give a seat if one is free (enrolled, or held until the fee is confirmed), else the waiting list."""
    _lock(program)
    if seats_taken(program) < program.capacity:
        registration.seat_at, registration.waitlisted_at = now, None
        if registration.fee_due > 0:
            registration.state = S.awaiting_fee
            return [("program_awaiting_fee", {"amount": f"{registration.fee_due:,.2f}"})]
        registration.state, registration.enrolled_at = S.enrolled, now
        return [("program_enrolled", lambda lang: messages.when(program, lang))]
    registration.state, registration.waitlisted_at = S.waitlisted, now
    return [("program_waitlisted", {"position": lambda lang: str(waitlist_position(program, registration))})]


def waitlist_position(program, registration) -> int | None:
    ids = [r.id for r in waitlist(program)]
    return ids.index(registration.id) + 1 if registration.id in ids else None


def fill_free_seats(tenant, program: Program, actor) -> list[Registration]:
    """Give freed seats to the first on the waiting list, in order, and tell them."""
    if program.state not in (ProgramState.published, ProgramState.registration_closed):
        return []
    _lock(program)
    promoted = []
    for registration in waitlist(program)[:max(program.capacity - seats_taken(program), 0)]:
        told = _seat(tenant, program, registration, utcnow())
        db.session.flush()
        audit.record("program.registration.promote", registration, before={"state": S.waitlisted},
                     after={"number": registration.number, "state": registration.state}, actor=actor)
        _tell(told, tenant, program, registration)
        promoted.append(registration)
    return promoted


def _tell(told, tenant, program, registration) -> None:
    person = db.session.get(Participant, (registration.tenant_id, registration.participant_id))
    for kind, extra in told:
        extra = extra(person.language or "ar") if callable(extra) else extra
        messages.enqueue(kind, tenant, program, registration, person, **extra)


# --- the state machine's actions --------------------------------------------------------------------

def _check(program, registration, action: Action, roles) -> None:
    transition = TRANSITIONS[action]
    if not transition.roles & set(roles):
        raise NotAllowed(_("Your role does not allow you to “{action}”.").format(action=action.label))
    wrong_kind = (action in INTERVIEW_ONLY and not program.requires_interview) or \
                 (action in REGISTRATION_ONLY and program.requires_interview)
    if registration.state not in transition.sources or wrong_kind:
        raise IllegalTransition(_("This registration is “{state}”: “{action}” is not possible now.").format(
            state=S(registration.state).label, action=action.label))
    if program.state not in (ProgramState.published, ProgramState.registration_closed):
        raise IllegalTransition(_("This program is “{state}”: its registrations can no longer change.").format(
            state=ProgramState(program.state).label))


def _mark_incomplete(tenant, program, registration, data, actor, now):
    registration.missing_note = data["note"]
    return [("program_incomplete", {"note": data["note"]})]


def _checked(registration, actor, now):
    registration.checked_at, registration.checked_by_id = now, actor.id


def _confirm_complete(tenant, program, registration, data, actor, now):
    _checked(registration, actor, now)
    return _seat(tenant, program, registration, now)


def _shortlist(tenant, program, registration, data, actor, now):
    _checked(registration, actor, now)
    return [("program_shortlisted", {})]


def staff_members() -> list[User]:
    """The association's active staff (the people who may interview)."""
    return list(db.session.scalars(
        sa.select(User).join(TenantRole, TenantRole.user_id == User.id)
        .where(TenantRole.role.in_([str(r) for r in STAFF_ROLES]), User.disabled_at.is_(None))
        .order_by(User.name)).unique())


def interview_of(registration) -> Interview | None:
    return db.session.scalar(sa.select(Interview).where(Interview.registration_id == registration.id))


def _schedule(tenant, program, registration, data, actor, now):
    if data["interviewer_id"] not in {u.id for u in staff_members()}:
        raise FormErrors({"interviewer_id": str(_l("Choose a staff member of this association."))})
    if data["day"] < today():
        raise FormErrors({"day": str(_l("This date is in the past."))})
    at = datetime.combine(data["day"], data["at"], tzinfo=RIYADH)
    interview = interview_of(registration) or Interview(registration_id=registration.id)
    interview.scheduled_at, interview.place, interview.interviewer_id = at, data.get("place"), data["interviewer_id"]
    db.session.add(interview)
    return [("program_interview", {"date": lambda lang: messages.plain_dual_date(data["day"], lang),
                                   "time": messages.isolate(data["at"].strftime("%H:%M")),
                                   "place": (" — " + data["place"]) if data.get("place") else ""})]


def _record_outcome(program, registration, data, actor, now) -> None:
    interview = interview_of(registration)
    met = set(data.get("met") or [])
    interview.outcome = data["outcome"]
    interview.conditions_met = [{"condition": text, "met": i in met} for i, text in enumerate(program.conditions)]
    interview.notes = data.get("notes")
    interview.recorded_at, interview.recorded_by_id = now, actor.id


def _accept(tenant, program, registration, data, actor, now):
    if data.get("outcome") != "accepted":
        raise FormErrors({"outcome": str(_l("Choose one of the options."))})
    _record_outcome(program, registration, data, actor, now)
    return _seat(tenant, program, registration, now)


def _reject(tenant, program, registration, data, actor, now):
    if "outcome" in data:
        if registration.state != S.interview_scheduled:
            raise IllegalTransition(_("No interview is scheduled for this registration."))
        _record_outcome(program, registration, data, actor, now)
    registration.reason, registration.closed_at = data["reason"], now
    return [("program_rejected", {"reason": data["reason"]})]


def _confirm_fee(tenant, program, registration, data, actor, now):
    if data["amount"] != registration.fee_due:
        raise FormErrors({"amount": _("The fee for this registration is {amount} SAR.").format(
            amount=f"{registration.fee_due:,.2f}")})
    receipt = Receipt(number=next_number("program-receipt"), registration_id=registration.id,
                      amount=data["amount"], method=data["method"], payer_name=data["payer_name"], issued_at=now,
                      issued_by_id=actor.id)
    db.session.add(receipt)
    db.session.flush()
    audit.record("program.receipt.issue", receipt, after={
        "number": receipt.number, "registration": registration.number, "amount": plain(receipt.amount),
        "method": receipt.method, "payer": receipt.payer_name})
    registration.enrolled_at = now
    return [("program_receipt", {"receipt": messages.isolate(receipt.number),
                                 "amount": f"{receipt.amount:,.2f}"}),
            ("program_enrolled", lambda lang: messages.when(program, lang))]


def _withdraw(tenant, program, registration, data, actor, now):
    registration.reason, registration.closed_at = data["reason"], now
    registration.seat_at = None
    return [("program_withdrawn", {"reason": data["reason"]})]


ACTIONS = {
    Action.mark_incomplete: (schemas.MissingSchema, _mark_incomplete),
    Action.confirm_complete: (schemas.ActionSchema, _confirm_complete),
    Action.shortlist: (schemas.ActionSchema, _shortlist),
    Action.schedule_interview: (schemas.ScheduleSchema, _schedule),
    Action.accept: (schemas.InterviewOutcomeSchema, _accept),
    Action.reject: (schemas.ReasonSchema, _reject),
    Action.confirm_fee: (schemas.FeeSchema, _confirm_fee),
    Action.withdraw: (schemas.ReasonSchema, _withdraw),
}
AUDITED = ("state", "missing_note", "checked_at", "seat_at", "waitlisted_at", "enrolled_at", "reason")


def _state_of(registration) -> dict:
    return {name: plain(getattr(registration, name)) for name in AUDITED}


def apply_action(tenant, registration: Registration, action: Action, form, actor, roles,
                 interview: bool = False) -> Registration:
    """Move the registration by one action, or raise and change nothing. With `interview`, the form is
    the interview's outcome (accept or reject, with the conditions met)."""
    program = db.session.get(Program, (registration.tenant_id, registration.program_id))
    _check(program, registration, action, roles)
    schema_class, apply = ACTIONS[action]
    data = schemas.load(schemas.InterviewOutcomeSchema() if interview else schema_class(), form,
                        lists=("met",))
    if data["version"] != registration.version:
        raise ConflictError(CONFLICT)
    was_seated = registration.state in SEATED
    before = _state_of(registration)
    now = utcnow()
    told = apply(tenant, program, registration, data, actor, now)
    target = TRANSITIONS[action].target
    if target is not None:
        registration.state = target
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(CONFLICT) from exc
    after = _state_of(registration)
    changed = sorted(k for k in after if after[k] != before[k])
    audit.record(f"program.registration.{action}", registration, before={k: before[k] for k in changed},
                 after={"number": registration.number, **{k: after[k] for k in changed},
                        **({"note": data["note"]} if data.get("note") else {})})
    _tell(told, tenant, program, registration)
    if was_seated and registration.state not in SEATED:
        fill_free_seats(tenant, program, actor)
    return registration


def record_interview(tenant, registration, form, actor, roles) -> Registration:
    action = Action.accept if form.get("outcome") == "accepted" else Action.reject
    return apply_action(tenant, registration, action, form, actor, roles, interview=True)


def program_cancelled(tenant, program: Program, actor) -> int:
    """Everyone still registered is told the program is cancelled, and the registrations are closed."""
    now = utcnow()
    count = 0
    for registration in db.session.scalars(sa.select(Registration).where(
            Registration.program_id == program.id, Registration.state.not_in(list(CLOSED)))):
        before = registration.state
        registration.state, registration.reason, registration.closed_at = S.withdrawn, program.cancel_reason, now
        registration.seat_at = None
        db.session.flush()
        audit.record("program.registration.withdraw", registration, before={"state": before},
                     after={"number": registration.number, "state": registration.state, "reason": "program cancelled"})
        _tell([("program_cancelled", {"reason": program.cancel_reason})], tenant, program, registration)
        count += 1
    return count


def handed_over(receipt: Receipt, actor) -> Receipt:
    """The voucher was handed to the participant (at a session they attended)."""
    if receipt.handed_over_at is None:
        receipt.handed_over_at, receipt.handed_over_by_id = utcnow(), actor.id
        db.session.flush()
        audit.record("program.receipt.hand_over", receipt, after={"number": receipt.number})
    return receipt


# --- lists ------------------------------------------------------------------------------------------

def listing(program: Program, state: str | None = None, limit: int = 500) -> list[tuple[Registration, Participant]]:
    """The program's registrations in the order they came (one query, people included)."""
    query = (sa.select(Registration, Participant)
             .join(Participant, sa.and_(Participant.tenant_id == Registration.tenant_id,
                                        Participant.id == Registration.participant_id))
             .where(Registration.program_id == program.id).order_by(Registration.id).limit(limit))
    if state:
        query = query.where(Registration.state == state)
    return list(db.session.execute(query))


def counts(program: Program) -> dict[str, int]:
    return dict(db.session.execute(sa.select(Registration.state, sa.func.count()).where(
        Registration.program_id == program.id).group_by(Registration.state)).all())
