"""Everything held about one beneficiary, for the person's data request (PDPL): JSON and a readable PDF."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from core import audit
from core.beneficiaries.models import Beneficiary, HouseholdMember, IncomeSource
from core.extensions import db
from core.messaging.models import OutboxMessage
from core.models import AuditEntry, User
from core.models.base import utcnow
from core.pdpl.models import Anonymisation, Consent
from core.workflow.models import Attachment, Interaction, Referral, RequestDocument, SupportRequest

FILE_FIELDS = ("file_number", "name", "national_id", "nationality", "gender", "birth_date", "birth_calendar",
               "mobile", "email", "city", "district", "address", "marital_status", "language", "created_at",
               "updated_at")
REQUEST_FIELDS = ("reference", "state", "channel", "office", "service", "details", "received_at",
                  "declaration_version", "declaration_text", "declaration_method", "declared_at", "review_body",
                  "sent_to_review_at", "decision_due", "committee_meeting_date", "decided_at", "decision_reason",
                  "decision_notified_at", "registered_at", "service_kind", "service_amount", "service_description",
                  "served_on", "served_at", "closed_at", "withdrawn_at", "withdrawal_reason")


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj, names) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def _rows(model, *where, order=None):
    return db.session.scalars(sa.select(model).where(*where).order_by(order if order is not None else model.id)).all()


def everything_about(tenant, beneficiary: Beneficiary) -> dict:
    """The file, its household, income, requests (documents, attachments' names), referrals, timeline,
    messages, consents, and who read or changed it (the audit log), as plain JSON values."""
    b_id = beneficiary.id
    people = {u.id: u.name for u in db.session.scalars(sa.select(User).where(User.id.in_(
        sa.select(AuditEntry.actor_id).where(AuditEntry.object_type == "Beneficiary",
                                             AuditEntry.object_id == str(b_id)))))}
    if beneficiary.researcher_id:
        people.setdefault(beneficiary.researcher_id, db.session.get(User, beneficiary.researcher_id).name)
    requests = _rows(SupportRequest, SupportRequest.beneficiary_id == b_id)
    request_ids = [r.id for r in requests]
    documents = _rows(RequestDocument, RequestDocument.request_id.in_(request_ids)) if request_ids else []
    files = _rows(Attachment, Attachment.request_id.in_(request_ids)) if request_ids else []
    audit_rows = _rows(AuditEntry, AuditEntry.object_type == "Beneficiary", AuditEntry.object_id == str(b_id))
    return {
        "association": {"slug": tenant.slug, "name_ar": tenant.name_ar, "name_en": tenant.name_en},
        "exported_at": utcnow().isoformat(),
        "file": {**_fields(beneficiary, FILE_FIELDS), "categories": beneficiary.category_codes,
                 "social_researcher": people.get(beneficiary.researcher_id)},
        "household": [_fields(m, ("relation", "name", "national_id", "birth_date", "disability", "schooling"))
                      for m in _rows(HouseholdMember, HouseholdMember.beneficiary_id == b_id)],
        "incomes": [_fields(i, ("kind", "monthly_amount")) for i in _rows(IncomeSource,
                                                                       IncomeSource.beneficiary_id == b_id)],
        "requests": [{**_fields(r, REQUEST_FIELDS),
                      "documents": [_fields(d, ("code", "label_ar", "label_en", "received_on", "verified_on", "note"))
                                    for d in documents if d.request_id == r.id],
                      "attachments": [_fields(a, ("original_name", "content_type", "size", "uploaded_at"))
                                      for a in files if a.request_id == r.id]} for r in requests],
        "referrals": [_fields(r, ("question", "asked_at", "answer", "answered_at"))
                      for r in _rows(Referral, Referral.beneficiary_id == b_id)],
        "timeline": [_fields(i, ("kind", "channel", "direction", "summary", "occurred_at"))
                     for i in _rows(Interaction, Interaction.beneficiary_id == b_id)],
        "messages": [_fields(m, ("kind", "medium", "recipient", "subject", "body", "status", "created_at", "sent_at"))
                     for m in _rows(OutboxMessage, OutboxMessage.beneficiary_id == b_id)],
        "consents": [_fields(c, ("purpose", "given_by", "guardian_name", "guardian_relation", "method", "given_on",
                                 "recorded_at", "withdrawn_at"))
                     for c in _rows(Consent, Consent.beneficiary_id == b_id)],
        "access_log": [{"when": _plain(e.created_at), "action": e.action, "by": people.get(e.actor_id)}
                       for e in audit_rows],
        "anonymised": db.session.scalar(sa.select(sa.func.count()).select_from(Anonymisation)
                                        .where(Anonymisation.beneficiary_id == b_id)) > 0,
    }


def record_export(beneficiary: Beneficiary, fmt: str) -> None:
    audit.record("pdpl.export", beneficiary, after={"file_number": beneficiary.file_number, "format": fmt})
