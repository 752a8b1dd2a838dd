"""Staff corrections and comforts on a request: all documents received at once, a wrong attachment
removed (kept for the audit), and the intake's channel, service and details corrected.

Like core.workflow.operations: check, write, flush, audit, in the caller's transaction.
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from core import audit
from core.beneficiaries.errors import ConflictError, FormErrors, IllegalTransition
from core.beneficiaries.fields import FormSchema, version_field
from core.beneficiaries.operations import CONFLICT, plain
from core.eligibility.models import VerificationStep, VisitPhoto
from core.extensions import db
from core.i18n import locale_code
from core.messaging.compose import isolate
from core.models.base import utcnow
from core.workflow.deadlines import today
from core.workflow.models import Attachment, RequestDocument, SupportRequest
from core.workflow.operations import (
    DOCUMENT_STATES,
    _load,
    channel_codes,
    documents_of,
    flush_or_conflict,
    note,
)
from core.workflow.schemas import IntakeSchema
from core.workflow.services import service, services
from core.workflow.states import RequestState

#: Until the decision, reception may correct what it wrote at intake; the service (and so the documents
#: checklist) only while documents are still collected.
CORRECTABLE_STATES = DOCUMENT_STATES | {RequestState.under_review}
CORRECTED_FIELDS = ("channel", "service", "office", "details")


def _documents_closed():
    return IllegalTransition(_("Documents can no longer be changed: the request was sent for a decision."))


def receive_all(request: SupportRequest, form, actor) -> list[RequestDocument]:
    """Mark every document not yet received as received today (one click at the counter)."""
    if request.state not in DOCUMENT_STATES:
        raise _documents_closed()
    data = _load(_VersionSchema(), form)
    if data["version"] != request.version:
        raise ConflictError(CONFLICT)
    missing = [d for d in documents_of(request) if d.received_on is None]
    if not missing:
        raise IllegalTransition(_("Every document was already received."))
    for document in missing:
        document.received_on = today()
    request.updated_at = utcnow()  # the request's version moves on: a second click on the old page is a 409
    flush_or_conflict()
    audit.record("request.documents.all_received", request, after={
        "reference": request.reference, "received_on": plain(today()), "codes": [d.code for d in missing]})
    locale = locale_code()
    labels = ("، " if locale == "ar" else ", ").join(d.label(locale) for d in missing)
    note(request.beneficiary_id, "document", _("Documents received: {labels}").format(labels=labels), actor, request)
    return missing


def discard_attachment(request: SupportRequest, attachment: Attachment, actor) -> None:
    """Hide a wrong attachment from the request; the file and its record stay for the audit."""
    if request.state not in DOCUMENT_STATES:
        raise _documents_closed()
    if attachment.deleted_at is not None:
        raise IllegalTransition(_("This file was already removed."))
    if _is_evidence(attachment):
        raise IllegalTransition(_("This file is the evidence of a verification step or a field visit: change "
                                  "that step first."))
    attachment.deleted_at, attachment.deleted_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record("request.attachment.delete", attachment, before={
        "reference": request.reference, "name": attachment.original_name, "type": attachment.content_type,
        "size": attachment.size, "document_id": attachment.document_id,
        "uploaded_at": attachment.uploaded_at.isoformat(), "uploaded_by_id": attachment.uploaded_by_id},
        after={"deleted_at": attachment.deleted_at.isoformat(), "deleted_by_id": actor.id})
    note(request.beneficiary_id, "document", _("File removed: {name}").format(name=attachment.original_name),
         actor, request)


def _is_evidence(attachment: Attachment) -> bool:
    """Evidence the eligibility checklist points at (a step's document, a visit's photo) is not removed here."""
    step = sa.select(VerificationStep.id).where(VerificationStep.attachment_id == attachment.id)
    photo = sa.select(VisitPhoto.id).where(VisitPhoto.attachment_id == attachment.id)
    return db.session.scalar(sa.select(sa.or_(sa.exists(step), sa.exists(photo)))) is True


class _VersionSchema(FormSchema):
    version = version_field()


class CorrectionSchema(IntakeSchema):
    """The intake's fields again (checked against the tenant's channels and services), with the version the
    form was read at."""

    version = version_field()


def correction_refusal(request: SupportRequest) -> str | None:
    """Why this request cannot be corrected now (None when it can)."""
    if request.state in CORRECTABLE_STATES:
        return None
    if request.state == RequestState.withdrawn:
        return _("The request was withdrawn: it can no longer be corrected.")
    return _("The request was decided: its channel, service and details can no longer be corrected.")


def correct_request(tenant, request: SupportRequest, form, actor) -> SupportRequest:
    """Correct the intake's channel, service, office and details; audited with before and after."""
    refusal = correction_refusal(request)
    if refusal:
        raise IllegalTransition(refusal)
    data = _load(CorrectionSchema(channels=channel_codes(tenant), services=[s.code for s in services(tenant)]),
                 form)
    if data["version"] != request.version:
        raise ConflictError(CONFLICT)
    if data["service"] != request.service and request.state not in DOCUMENT_STATES:
        raise FormErrors({"service": _("The service can no longer change: the request was sent for a decision.")})
    before = {k: getattr(request, k) for k in CORRECTED_FIELDS}
    for name in CORRECTED_FIELDS:
        setattr(request, name, data.get(name))
    after = {k: getattr(request, k) for k in CORRECTED_FIELDS}
    changed = sorted(k for k in CORRECTED_FIELDS if before[k] != after[k])
    if not changed:
        return request
    checklist = {}
    if "service" in changed:
        checklist = _new_checklist(tenant, request)
    request.updated_at = utcnow()
    flush_or_conflict()
    audit.record("request.correct", request, before={k: before[k] for k in changed},
                 after={"reference": request.reference, **{k: after[k] for k in changed}, **checklist})
    note(request.beneficiary_id, "state", _("Request {reference} corrected.").format(
        reference=isolate(request.reference)), actor, request)
    return request


def _new_checklist(tenant, request: SupportRequest) -> dict:
    """The new service's documents: those already on the list stay, the rest are added; items of the old
    service nobody received yet are dropped (a received one stays, it is part of the record)."""
    wanted = {d.code: d for d in service(tenant, request.service).documents}
    current = documents_of(request)
    have = {d.code for d in current}
    added = [RequestDocument(request_id=request.id, code=d.code, label_ar=d.label_ar, label_en=d.label_en)
             for code, d in wanted.items() if code not in have]
    dropped = [d for d in current if d.code not in wanted and d.received_on is None]
    if dropped:
        # A file uploaded against a dropped item stays on the request, unlinked (the link carries tenant_id,
        # so the database cannot blank it by itself).
        db.session.execute(sa.update(Attachment).where(Attachment.document_id.in_([d.id for d in dropped]))
                           .values(document_id=None), execution_options={"synchronize_session": "fetch"})
    for document in dropped:
        db.session.delete(document)
    db.session.add_all(added)
    return {"documents_added": [d.code for d in added], "documents_dropped": [d.code for d in dropped]}
