"""Messages to program registrants, through the outbox, in the registrant's language.

A minor's messages go to the guardian's mobile; an adult's to the e-mail if given, else the mobile.
"""
from flask_babel import force_locale
from flask_babel import gettext as _

from core.extensions import db
from core.messaging.compose import address_by_gender, isolate, plain_dual_date
from core.messaging.models import OutboxMessage
from core.models.base import utcnow


def _time(value) -> str:
    return isolate(value.strftime("%H:%M")) if value else ""


def _texts(kind: str, tenant, program, registration, participant, language: str, extra: dict) -> tuple[str, str]:
    values = {
        "name": participant.name,
        "association": tenant.name(language),
        "program": program.title,
        "number": isolate(registration.number),
        **extra,
    }
    if kind == "program_registered":
        subject = _("Your registration {number} for {program}").format(**values)
        body = _("Dear {name},\n\n{association} received your registration for “{program}”. Your registration "
                 "number is {number}. We will check your data and tell you the next step.").format(**values)
        if values.get("link"):
            body += "\n\n" + _("Follow your registration here: {link}").format(**values)
    elif kind == "program_incomplete":
        subject = _("Your registration {number}: data missing").format(**values)
        body = _("Dear {name},\n\nYour registration for “{program}” is not complete yet:\n{note}\n\nPlease "
                 "contact {association} to complete it, quoting the number {number}.").format(**values)
    elif kind == "program_shortlisted":
        subject = _("Invitation to a personal interview: {program}").format(**values)
        body = _("Dear {name},\n\nYour data for “{program}” is complete and you are shortlisted for a personal "
                 "interview. {association} will tell you its date and place.").format(**values)
    elif kind == "program_interview":
        subject = _("Your interview for {program}").format(**values)
        body = _("Dear {name},\n\nYour personal interview for “{program}” is on {date} at {time}{place}. "
                 "Please bring your ID.").format(**values)
    elif kind == "program_enrolled":
        subject = _("You are enrolled in {program}").format(**values)
        body = _("Dear {name},\n\nYou are enrolled in “{program}”, which starts on {date}{time}{place}. "
                 "We look forward to seeing you.").format(**values)
    elif kind == "program_awaiting_fee":
        subject = _("A seat is held for you in {program}").format(**values)
        body = _("Dear {name},\n\nA seat is held for you in “{program}”. The fee is {amount} SAR: once it is "
                 "confirmed you are enrolled and receive a receipt voucher.").format(**values)
    elif kind == "program_waitlisted":
        subject = _("You are on the waiting list of {program}").format(**values)
        body = _("Dear {name},\n\n“{program}” is full. You are number {position} on its waiting list; we will "
                 "tell you as soon as a seat is free.").format(**values)
    elif kind == "program_receipt":
        subject = _("Receipt voucher {receipt} for {program}").format(**values)
        body = _("Dear {name},\n\n{association} received {amount} SAR for “{program}”: receipt voucher number "
                 "{receipt}. It is handed to you when you attend.").format(**values)
    elif kind == "program_rejected":
        subject = _("Your registration {number} for {program}").format(**values)
        body = _("Dear {name},\n\nYour registration for “{program}” was not accepted.\n\nThe reason: "
                 "{reason}").format(**values)
    elif kind == "program_withdrawn":
        subject = _("Your registration {number} for {program} was withdrawn").format(**values)
        body = _("Dear {name},\n\nYour registration for “{program}” was withdrawn.\n\nThe reason: "
                 "{reason}").format(**values)
    elif kind == "program_cancelled":
        subject = _("{program} is cancelled").format(**values)
        body = _("Dear {name},\n\n{association} cancelled “{program}”.\n\nThe reason: {reason}").format(**values)
    elif kind == "program_reminder":
        subject = _("Reminder: {program} on {date}").format(**values)
        body = _("Dear {name},\n\nA reminder that “{program}” meets on {date}{time}{place}.").format(**values)
    else:
        raise ValueError(f"unknown message kind {kind!r}")
    return subject, body


def recipient(registration, participant) -> tuple[str, str] | None:
    if registration.guardian_name:
        return ("sms", registration.guardian_mobile) if registration.guardian_mobile else None
    if participant.email:
        return "email", participant.email
    if participant.mobile:
        return "sms", participant.mobile
    return None


def when(program, language: str) -> dict:
    """The {date}, {time} and {place} pieces of a message about the program's start."""
    return {"date": plain_dual_date(program.starts_on, language),
            "time": (" " + _time(program.session_start)) if program.session_start else "",
            "place": (" — " + program.location) if program.location else ""}


def enqueue(kind: str, tenant, program, registration, participant, **extra) -> OutboxMessage | None:
    """Add the message to the outbox; None when the registrant left no way to reach them."""
    found = recipient(registration, participant)
    if found is None:
        return None
    medium, address = found
    language = participant.language or "ar"
    with force_locale(language):
        values = {k: (v(language) if callable(v) else v) for k, v in extra.items()}
        subject, body = _texts(kind, tenant, program, registration, participant, language, values)
    body = address_by_gender(body, participant.gender, language)
    message = OutboxMessage(beneficiary_id=participant.beneficiary_id, program_registration_id=registration.id,
                            kind=kind, medium=medium, recipient=address, language=language,
                            subject=subject[:200], body=body, next_attempt_at=utcnow())
    db.session.add(message)
    return message
