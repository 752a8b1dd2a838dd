"""Writing messages to the outbox in the beneficiary's language, in the transaction of the change."""
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from core.calendar import CalendarError, hijri_iso, local_date
from core.extensions import db
from core.messaging.models import OutboxMessage
from core.models.base import utcnow


def isolate(text) -> str:
    """Wrap a reference or a date in Unicode isolates (LRI … PDI), so Arabic text around it cannot
    reverse its digits in plain text (SMS, e-mail, flash messages): the plain-text <bdi dir="ltr">."""
    return f"\u2066{text}\u2069"


def plain_dual_date(day: date, language: str) -> str:
    """2026-12-06 (1448-06-15 AH): plain text, for e-mails and SMS."""
    try:
        hijri = hijri_iso(day)
    except CalendarError:
        return isolate(day.isoformat())
    return f"{isolate(day.isoformat())} ({isolate(hijri)} {'هـ' if language == 'ar' else 'AH'})"


def review_body_label(tenant, language: str) -> str:
    review = (tenant.settings or {}).get("review", {})
    return review.get("label_ar" if language == "ar" else "label_en", "")


def _texts(kind: str, tenant, beneficiary, request, language: str) -> tuple[str, str]:
    from core.workflow.services import service

    svc = service(tenant, request.service)
    values = {
        "name": beneficiary.name,
        "association": tenant.name(language),
        "reference": isolate(request.reference),
        "service": svc.label(language) if svc else request.service,
    }
    if kind == "request_received":
        values["date"] = plain_dual_date(local_date(request.received_at), language)
        subject = _("Your request {reference} was received").format(**values)
        body = _("Dear {name},\n\n{association} received your support request ({service}) on {date}. "
                 "Your reference number is {reference}: quote it whenever you contact us.").format(**values)
    elif kind == "under_review":
        values["body"] = review_body_label(tenant, language)
        values["due"] = plain_dual_date(request.decision_due, language)
        subject = _("Your request {reference} is under review").format(**values)
        body = _("Dear {name},\n\nYour support request {reference} ({service}) was sent to the {body} of "
                 "{association}. You will receive the decision by {due} at the latest.").format(**values)
    elif kind == "decision_accepted":
        subject = _("Your request {reference} was accepted").format(**values)
        body = _("Dear {name},\n\nYour support request {reference} ({service}) was accepted by {association}. "
                 "We will contact you to complete the registration and deliver the service.").format(**values)
    elif kind == "decision_rejected":
        values["reason"] = request.decision_reason
        subject = _("Decision on your request {reference}").format(**values)
        body = _("Dear {name},\n\nYour support request {reference} ({service}) was not accepted by "
                 "{association}.\n\nThe reason: {reason}\n\nYou may ask us about this decision or file a "
                 "grievance, quoting the reference {reference}.").format(**values)
    elif kind == "served":
        values["date"] = plain_dual_date(request.served_on, language)
        subject = _("Service delivered for your request {reference}").format(**values)
        body = _("Dear {name},\n\nThe service for your request {reference} ({service}) was delivered on "
                 "{date}. Thank you for your trust in {association}.").format(**values)
    else:
        raise ValueError(f"unknown message kind {kind!r}")
    return subject, body


def _contact(beneficiary) -> tuple[str, str] | None:
    """(medium, recipient): e-mail if the file has one, else SMS to the mobile; None with neither."""
    if beneficiary.email:
        return "email", beneficiary.email
    if beneficiary.mobile:
        return "sms", beneficiary.mobile
    return None


def enqueue_email(kind: str, recipient: str, subject: str, body: str, language: str,
                  sensitive: str | None = None, tenant_id: int | None = None) -> OutboxMessage:
    """An e-mail to a person who is not a beneficiary (staff, an invited person), for the tenant in scope
    (or `tenant_id`). `sensitive` is a secret in the body (a one-time link) that delivery blanks once sent."""
    message = OutboxMessage(tenant_id=tenant_id, beneficiary_id=None, request_id=None, kind=kind, medium="email",
                            recipient=recipient, language=language, subject=subject[:200], body=body,
                            sensitive=sensitive, next_attempt_at=utcnow())
    db.session.add(message)
    return message


def enqueue(kind: str, tenant, beneficiary, request) -> OutboxMessage | None:
    """Add the message to the outbox (e-mail if the file has one, else SMS to the mobile); None if no contact."""
    contact = _contact(beneficiary)
    if contact is None:
        return None
    medium, recipient = contact
    language = beneficiary.language or "ar"
    with force_locale(language):
        subject, body = _texts(kind, tenant, beneficiary, request, language)
    message = OutboxMessage(beneficiary_id=beneficiary.id, request_id=request.id, kind=kind, medium=medium,
                            recipient=recipient, language=language, subject=subject, body=body,
                            next_attempt_at=utcnow())
    db.session.add(message)
    return message


def enqueue_about_file(kind: str, beneficiary, texts) -> OutboxMessage | None:
    """A message about the file rather than one request: `texts(language)` gives (subject, body), called
    in the beneficiary's language. None when the file has no e-mail and no mobile."""
    contact = _contact(beneficiary)
    if contact is None:
        return None
    medium, recipient = contact
    language = beneficiary.language or "ar"
    with force_locale(language):
        subject, body = texts(language)
    message = OutboxMessage(beneficiary_id=beneficiary.id, request_id=None, kind=kind, medium=medium,
                            recipient=recipient, language=language, subject=str(subject)[:200], body=str(body),
                            next_attempt_at=utcnow())
    db.session.add(message)
    return message
