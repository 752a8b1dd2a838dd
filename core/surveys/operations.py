"""Inviting people to the satisfaction survey and recording their answers.

`invite` is the one way to ask someone: the served-request job below calls it, and so does the
programmes module when a programme ends (`invite(tenant, beneficiary_or_contact, program_subject(...))`).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from core import audit
from core.beneficiaries.errors import FormErrors, IllegalTransition
from core.beneficiaries.fields import first_errors
from core.calendar import local_date
from core.extensions import db
from core.messaging import compose
from core.models.base import utcnow
from core.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from core.surveys.questions import questions
from core.surveys.schemas import SurveySchema

#: How long a link stays open.
VALID_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Contact:
    """Someone to invite who may have no beneficiary file (a programme's participant, say)."""

    name: str
    mobile: str | None = None
    email: str | None = None
    language: str = "ar"
    beneficiary_id: int | None = None


@dataclass(frozen=True)
class Subject:
    """What the survey is about; `key` is unique per tenant ("request:42", "program:7")."""

    kind: str  # "service" | "program"
    key: str
    label_ar: str | None = None
    label_en: str | None = None
    service: str | None = None
    channel: str | None = None
    staff_id: int | None = None
    request_id: int | None = None

    def label(self, language: str) -> str | None:
        return self.label_ar if language == "ar" else self.label_en


def request_subject(tenant, request) -> Subject:
    from core.workflow.services import service

    found = service(tenant, request.service)
    return Subject("service", f"request:{request.id}", found.label("ar") if found else request.service,
                   found.label("en") if found else request.service, service=request.service,
                   channel=request.channel, staff_id=request.served_by_id, request_id=request.id)


def program_subject(program_id: int, name_ar: str, name_en: str, staff_id: int | None = None) -> Subject:
    """The subject for a programme that ended (for the programmes module)."""
    return Subject("program", f"program:{program_id}", name_ar, name_en, staff_id=staff_id)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(tenant, who, subject: Subject, now: datetime | None = None) -> SurveyInvitation | None:
    """Send `who` (a Beneficiary or a Contact) a one-time survey link about `subject`.

    Idempotent: a second call for the same subject and person returns the first invitation and sends
    nothing. None when the person has no mobile or e-mail. The caller commits.
    """
    found = compose.contact_of(who)
    if found is None:
        return None
    recipient = found[1]
    existing = db.session.scalar(sa.select(SurveyInvitation).where(
        SurveyInvitation.subject_key == subject.key, SurveyInvitation.recipient == recipient))
    if existing is not None:
        return existing
    now = now or utcnow()
    token = secrets.token_urlsafe(16)
    language = getattr(who, "language", None) or "ar"
    beneficiary_id = getattr(who, "beneficiary_id", None) if isinstance(who, Contact) else who.id
    invitation = SurveyInvitation(
        token_hash=token_hash(token), subject_kind=subject.kind, subject_key=subject.key,
        subject_label_ar=subject.label_ar, subject_label_en=subject.label_en, beneficiary_id=beneficiary_id,
        request_id=subject.request_id, service=subject.service, channel=subject.channel,
        staff_id=subject.staff_id, recipient=recipient, language=language, created_at=now,
        expires_at=now + VALID_FOR)
    db.session.add(invitation)
    db.session.flush()
    link = compose.portal_url(tenant, f"survey/{token}")
    with force_locale(language):
        values = {"association": tenant.name(language), "subject": subject.label(language) or "", "link": link}
        subject_line = _("How was our service? {association}").format(**values)
        body = _("Thank you for dealing with {association}. Please tell us how satisfied you are with "
                 "“{subject}”: it takes a minute, and your answer is a tool for improvement, never for "
                 "punishment. Your name is not shown to the staff.\n\n{link}\n\nThe link works once, "
                 "for 30 days.").format(**values)
        sms_texts = (_("{association}: how was our service? Your opinion helps us improve: {link}").format(**values),
                     _("How was our service? Your opinion helps us improve: {link}").format(**values))
    compose.enqueue_text("survey", who, subject_line, body, sms_texts, request_id=subject.request_id, sensitive=token)
    audit.record("survey.invite", invitation, after={"subject": subject.key})
    return invitation


# --- answering ------------------------------------------------------------------------------------

class LinkUsed(IllegalTransition):
    """The link was already used, or has expired."""


def open_invitation(token: str, now: datetime | None = None) -> SurveyInvitation | None:
    """The invitation of a link in the current tenant, or None (unknown). Raises LinkUsed if spent."""
    if not token or len(token) > 64:
        return None
    invitation = db.session.scalar(sa.select(SurveyInvitation).where(
        SurveyInvitation.token_hash == token_hash(token)))
    if invitation is None:
        return None
    if invitation.answered_on is not None:
        raise LinkUsed(_l("This survey was already answered. Thank you!"))
    if (now or utcnow()) > invitation.expires_at:
        raise LinkUsed(_l("This survey link has expired."))
    return invitation


def answer(tenant, invitation: SurveyInvitation, form, now: datetime | None = None) -> SurveyResponse:
    """Record one answer for the link and spend it; the response keeps no link to the person."""
    codes = [q.code for q in questions(tenant)]
    try:
        data = SurveySchema(questions=codes).load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc
    today = local_date(now or utcnow())
    # Spend the link first, guarded on it still being unanswered: two tabs submitting at once give one answer.
    spent = db.session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.tenant_id == invitation.tenant_id, SurveyInvitation.id == invitation.id,
               SurveyInvitation.answered_on.is_(None))
        .values(answered_on=today).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise LinkUsed(_l("This survey was already answered. Thank you!"))
    response = SurveyResponse(
        month=today.replace(day=1), subject_kind=invitation.subject_kind,
        # a programme is named (its report shows its satisfaction); a request is not: it would point to a person
        subject_key=invitation.subject_key if invitation.subject_kind == "program" else None,
        subject_label_ar=invitation.subject_label_ar, subject_label_en=invitation.subject_label_en,
        service=invitation.service, channel=invitation.channel, staff_id=invitation.staff_id,
        comment=data.get("comment"))
    db.session.add(response)
    db.session.flush()
    db.session.add_all(SurveyAnswer(response_id=response.id, question=code, score=data["scores"][code])
                       for code in codes)
    db.session.flush()
    return response
