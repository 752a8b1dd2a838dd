"""Writing messages to the outbox in the beneficiary's language, in the transaction of the change."""
from datetime import date

from flask import current_app
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
        if "grievances" in (tenant.settings or {}).get("modules", []):
            values["complaint"] = portal_url(tenant, "complaints/new")
            body = _("Dear {name},\n\nYour support request {reference} ({service}) was not accepted by "
                     "{association}.\n\nThe reason: {reason}\n\nYou may ask us about this decision, or file a "
                     "grievance within 30 days at {complaint}, quoting the reference {reference}.").format(**values)
        else:
            body = _("Dear {name},\n\nYour support request {reference} ({service}) was not accepted by "
                     "{association}.\n\nThe reason: {reason}\n\nYou may ask us about this decision through any "
                     "of our channels, quoting the reference {reference}.").format(**values)
    elif kind == "served":
        values["date"] = plain_dual_date(request.served_on, language)
        subject = _("Service delivered for your request {reference}").format(**values)
        body = _("Dear {name},\n\nThe service for your request {reference} ({service}) was delivered on "
                 "{date}. Thank you for your trust in {association}.").format(**values)
    else:
        raise ValueError(f"unknown message kind {kind!r}")
    return subject, body


def portal_url(tenant, path: str) -> str:
    """A link for a message: PUBLIC_BASE_URL, the tenant's portal, the path (e.g. "status")."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/{tenant.slug}/{path}"


def _sms_texts(kind: str, tenant, request, language: str) -> tuple[str, ...]:
    """SMS versions of a message, longest first: the first that fits in two segments is sent."""
    values = {"association": tenant.name(language), "reference": isolate(request.reference),
              "status": portal_url(tenant, "status")}
    if kind == "request_received":
        texts = (_("{association}: we received your request {reference}. Quote it when you contact us."),
                 _("We received your request {reference}. Quote it when you contact us."))
    elif kind == "under_review":
        values["due"] = plain_dual_date(request.decision_due, language)
        texts = (_("{association}: your request {reference} is under review; decision by {due}."),
                 _("Your request {reference} is under review; decision by {due}."))
    elif kind == "decision_accepted":
        texts = (_("{association}: your request {reference} was accepted. We will contact you."),
                 _("Your request {reference} was accepted. We will contact you."))
    elif kind == "decision_rejected":
        values["reason"] = request.decision_reason
        texts = (_("Your request {reference} was not accepted. Reason: {reason}"),
                 _("Your request {reference} was not accepted. The reason: {status}"))
    elif kind == "served":
        texts = (_("{association}: the service for your request {reference} was delivered. Thank you."),
                 _("The service for your request {reference} was delivered. Thank you."))
    else:
        raise ValueError(f"unknown message kind {kind!r}")
    return tuple(t.format(**values) for t in texts)


def contact_of(who, prefer: str | None = None) -> tuple[str, str] | None:
    """(medium, address) for a beneficiary or a contact: e-mail if there is one, else SMS; None if neither.

    `prefer="sms"` picks the mobile first when both exist (one-time codes reach a phone faster)."""
    email, mobile = getattr(who, "email", None), getattr(who, "mobile", None)
    order = (("sms", mobile), ("email", email)) if prefer == "sms" else (("email", email), ("sms", mobile))
    return next(((medium, address) for medium, address in order if address), None)


#: The Arabic catalog writes the greeting in the masculine («عزيزنا فلان»), as Arabic does for an unknown
#: reader; a woman is addressed «عزيزتنا». Applied to every message to a person whose gender is known.
_GREETINGS_AR = {"female": ("عزيزنا", "عزيزتنا")}


def address_by_gender(text: str, gender: str | None, language: str | None) -> str:
    """The greeting at the head of a line, in the reader's gender: «عزيزتنا سارة،» for a woman."""
    if (language or "ar") != "ar" or gender not in _GREETINGS_AR:
        return text
    masculine, wanted = _GREETINGS_AR[gender]
    lines = text.split("\n")
    return "\n".join(wanted + line[len(masculine):] if line.startswith(masculine + " ") else line
                     for line in lines)


def enqueue_text(kind: str, who, subject: str, body: str, sms_texts: tuple[str, ...] = (), *,
                 request_id=None, prefer: str | None = None, sensitive: str | None = None) -> OutboxMessage | None:
    """Add a composed message to the outbox for a beneficiary or a contact (None if no way to reach them).

    By SMS the body is the first of `sms_texts` that fits in two segments (else the e-mail body, which
    must fit then); core.messaging.sms.SmsTooLong is raised at composition if none does."""
    from core.messaging import sms

    found = contact_of(who, prefer)
    if found is None:
        return None
    medium, recipient = found
    language = getattr(who, "language", None) or "ar"
    gender = getattr(who, "gender", None)
    body, sms_texts = (address_by_gender(body, gender, language),
                       tuple(address_by_gender(t, gender, language) for t in sms_texts))
    if medium == "sms":
        body = sms.compose(*(sms_texts or (body,)))
    message = OutboxMessage(beneficiary_id=getattr(who, "beneficiary_id", None) or _beneficiary_id(who),
                            request_id=request_id, kind=kind, medium=medium, recipient=recipient,
                            language=language, subject=subject[:200], body=body,
                            sensitive=sensitive, next_attempt_at=utcnow())
    db.session.add(message)
    return message


def enqueue_email(kind: str, recipient: str, subject: str, body: str, language: str,
                  sensitive: str | None = None, tenant_id: int | None = None) -> OutboxMessage:
    """An e-mail to a person who is not a beneficiary (staff, an invited person), for the tenant in scope
    (or `tenant_id`). `sensitive` is a secret in the body (a one-time link) that delivery blanks once sent."""
    message = OutboxMessage(tenant_id=tenant_id, beneficiary_id=None, request_id=None, kind=kind, medium="email",
                            recipient=recipient, language=language, subject=subject[:200], body=body,
                            sensitive=sensitive, next_attempt_at=utcnow())
    db.session.add(message)
    return message


def _beneficiary_id(who):
    from core.beneficiaries.models import Beneficiary

    return who.id if isinstance(who, Beneficiary) else None


def enqueue(kind: str, tenant, beneficiary, request) -> OutboxMessage | None:
    """Add the message to the outbox (e-mail if the file has one, else SMS to the mobile); None if no contact."""
    if contact_of(beneficiary) is None:
        return None
    language = beneficiary.language or "ar"
    with force_locale(language):
        subject, body = _texts(kind, tenant, beneficiary, request, language)
        sms_texts = _sms_texts(kind, tenant, request, language)
    return enqueue_text(kind, beneficiary, subject, body, sms_texts, request_id=request.id)


def enqueue_about_file(kind: str, beneficiary, texts) -> OutboxMessage | None:
    """A message about the file rather than one request: `texts(language)` gives (subject, body), called
    in the beneficiary's language. None when the file has no e-mail and no mobile."""
    if contact_of(beneficiary) is None:
        return None
    language = beneficiary.language or "ar"
    with force_locale(language):
        subject, body = texts(language)
    return enqueue_text(kind, beneficiary, str(subject), str(body))
