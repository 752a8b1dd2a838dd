"""Recording a request's verification; `missing_steps` is the guard before it goes to review."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.beneficiaries.errors import ConflictError, FormErrors, IllegalTransition
from core.beneficiaries.fields import first_errors
from core.beneficiaries.models import Beneficiary
from core.beneficiaries.operations import CONFLICT
from core.eligibility import checklist, schemas
from core.eligibility.models import FieldVisit, NeedsStudy, VerificationStep, VisitPhoto, Witness
from core.extensions import db
from core.i18n import locale_code
from core.models.base import utcnow
from core.modules import enabled
from core.workflow import attachments
from core.workflow.operations import DOCUMENT_STATES, note

MODULE = "eligibility_verification"
WITNESSES_NEEDED = 2


def _load(schema, form):
    try:
        return schema.load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc


def _open(request) -> None:
    if request.state not in DOCUMENT_STATES:
        raise IllegalTransition(_("The verification can no longer be changed: the request was sent for a "
                                  "decision."))


def steps_of(request) -> list[VerificationStep]:
    return list(db.session.scalars(sa.select(VerificationStep).where(VerificationStep.request_id == request.id)
                                   .order_by(VerificationStep.position)))


def ensure_steps(tenant, request) -> list[VerificationStep]:
    """The request's checklist, copied from the tenant's current one the first time (idempotent)."""
    existing = steps_of(request)
    if existing:
        return existing
    for position, step in enumerate(checklist.steps(tenant)):
        db.session.add(VerificationStep(request_id=request.id, position=position, code=step.code,
                                        label_ar=step.label_ar, label_en=step.label_en, kind=step.kind,
                                        required_for=",".join(step.required_for) or None))
    db.session.flush()
    return steps_of(request)


def visits_of(request) -> list[FieldVisit]:
    return list(db.session.scalars(sa.select(FieldVisit).where(FieldVisit.request_id == request.id)
                                   .order_by(FieldVisit.id)))


def witnesses_of(request) -> list[Witness]:
    return list(db.session.scalars(sa.select(Witness).where(Witness.request_id == request.id).order_by(Witness.id)))


def study_of(request) -> NeedsStudy | None:
    return db.session.scalar(sa.select(NeedsStudy).where(NeedsStudy.request_id == request.id))


def photos_of(request) -> dict[int, list[int]]:
    """visit id → attachment ids of its photos."""
    rows = db.session.execute(sa.select(VisitPhoto.visit_id, VisitPhoto.attachment_id)
                              .join(FieldVisit, sa.and_(FieldVisit.tenant_id == VisitPhoto.tenant_id,
                                                        FieldVisit.id == VisitPhoto.visit_id))
                              .where(FieldVisit.request_id == request.id).order_by(VisitPhoto.id)).all()
    out: dict[int, list[int]] = {}
    for visit_id, attachment_id in rows:
        out.setdefault(visit_id, []).append(attachment_id)
    return out


def _record_ready(request, step) -> str | None:
    """Why a step of a special kind cannot be marked done yet, or None."""
    if step.kind == "field_visit" and not visits_of(request):
        return _("Record the field visit report first.")
    if step.kind == "witnesses" and len(witnesses_of(request)) < WITNESSES_NEEDED:
        return _("Record the two witnesses first.")
    if step.kind == "needs_study" and study_of(request) is None:
        return _("Record the needs study first.")
    return None


def update_step(tenant, request, step: VerificationStep, form, upload, actor) -> VerificationStep:
    """A step's outcome: done (with evidence), not applicable (with a reason) or back to pending."""
    _open(request)
    data = _load(schemas.StepSchema(), form)
    if data["version"] != step.version:
        raise ConflictError(CONFLICT)
    status, text = data["status"], data.get("note")
    attachment = None
    if status == "done":
        problem = _record_ready(request, step)
        if problem:
            raise FormErrors({"status": problem})
        if upload is not None and upload.filename:
            attachment = attachments.store(request, upload, None, actor)
        if step.kind == "evidence" and not (text or attachment or step.attachment_id):
            raise FormErrors({"note": str(_l("Give the evidence: attach a file or write a note."))})
    if status == "not_applicable" and step.required_for:
        beneficiary = db.session.get(Beneficiary, request.beneficiary_id)
        if set(step.required_for.split(",")) & set(beneficiary.category_codes):
            raise FormErrors({"status": str(_l("This step is required for this beneficiary's category."))})
    before = {"status": step.status, "note": step.note}
    step.status, step.note = status, text
    if attachment is not None:
        step.attachment_id = attachment.id
    step.done_by_id, step.done_at = (None, None) if status == "pending" else (actor.id, utcnow())
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(CONFLICT) from exc
    audit.record("verification.step", step, actor=actor, before=before,
                 after={"reference": request.reference, "code": step.code, "status": status, "note": text})
    note(request.beneficiary_id, "document", _("Verification: {step}: {status}").format(
        step=step.label(locale_code()), status=STATUS_LABELS[status]), actor, request)
    return step


STATUS_LABELS = {"pending": _l("Pending"), "done": _l("Done"), "not_applicable": _l("Not applicable")}


def record_visit(tenant, request, form, photos, actor) -> FieldVisit:
    _open(request)
    data = _load(schemas.VisitSchema(), form)
    visit = FieldVisit(request_id=request.id, recorded_by_id=actor.id, **data)
    db.session.add(visit)
    db.session.flush()
    for upload in photos:
        if upload is not None and upload.filename:
            attachment = attachments.store(request, upload, None, actor)
            db.session.add(VisitPhoto(visit_id=visit.id, attachment_id=attachment.id))
    db.session.flush()
    audit.record("verification.visit", visit, actor=actor,
                 after={"reference": request.reference, "visited_on": visit.visited_on.isoformat(),
                        "housing_condition": visit.housing_condition})
    note(request.beneficiary_id, "document", _("Field visit report recorded."), actor, request)
    return visit


def add_witness(tenant, request, form, actor) -> Witness:
    _open(request)
    data = _load(schemas.WitnessSchema(), form)
    if any(w.national_id == data["national_id"] for w in witnesses_of(request)):
        raise FormErrors({"national_id": str(_l("This witness is already recorded."))})
    witness = Witness(request_id=request.id, recorded_by_id=actor.id, **data)
    db.session.add(witness)
    db.session.flush()
    audit.record("verification.witness", witness, actor=actor,
                 after={"reference": request.reference, "name": witness.name, "relation": witness.relation})
    note(request.beneficiary_id, "document", _("Witness recorded: {name}").format(name=witness.name), actor,
         request)
    return witness


def save_study(tenant, request, form, actor) -> NeedsStudy:
    _open(request)
    data = _load(schemas.NeedsStudySchema(), form)
    study = study_of(request)
    before = None
    if study is None:
        study = NeedsStudy(request_id=request.id)
        db.session.add(study)
    else:
        before = {"needs_found": study.needs_found, "services_proposed": study.services_proposed}
    study.needs_found, study.services_proposed = data["needs_found"], data["services_proposed"]
    study.recorded_by_id, study.recorded_at = actor.id, utcnow()
    db.session.flush()
    audit.record("verification.needs_study", study, actor=actor, before=before,
                 after={"reference": request.reference, **data})
    note(request.beneficiary_id, "document", _("Needs study recorded."), actor, request)
    return study


def missing_steps(tenant, request) -> list[VerificationStep]:
    """The steps still pending (the checklist is complete when this is empty)."""
    return [s for s in ensure_steps(tenant, request) if s.status == "pending"]


def guard_review(tenant, request) -> None:
    """With the module on, a request goes to review only with its checklist complete."""
    if not enabled(tenant, MODULE):
        return
    missing = missing_steps(tenant, request)
    if missing:
        raise IllegalTransition(_("The verification checklist is not complete: {steps}.").format(
            steps=_(", ").join(s.label(locale_code()) for s in missing)))
