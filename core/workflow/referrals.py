"""Referrals to the tenant's referral role: asked from a file or a request, answered in an inbox."""
from flask_babel import gettext as _
from marshmallow import ValidationError

from core import audit
from core.beneficiaries.errors import ConflictError, FormErrors, IllegalTransition
from core.beneficiaries.fields import first_errors
from core.beneficiaries.operations import CONFLICT
from core.extensions import db
from core.models.base import utcnow
from core.signals import referral_answered, referral_asked
from core.workflow import schemas
from core.workflow.models import Referral
from core.workflow.operations import _own_request, flush_or_conflict, note


def referral_label(tenant, locale: str) -> str:
    referral = (tenant.settings or {}).get("referral") or {}
    return referral.get("label_ar" if locale == "ar" else "label_en", "")


def refer(tenant, beneficiary, form, actor) -> Referral:
    try:
        data = schemas.ReferralSchema().load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc
    request = _own_request(beneficiary, data.get("request_id"))
    referral = Referral(beneficiary_id=beneficiary.id, request_id=getattr(request, "id", None),
                        question=data["question"], asked_by_id=actor.id, asked_at=utcnow())
    db.session.add(referral)
    db.session.flush()
    from core.i18n import locale_code

    note(beneficiary.id, "referral", _("Referred to the {role}: {question}").format(
        role=referral_label(tenant, locale_code()), question=referral.question), actor, request)
    audit.record("referral.create", referral, after={"beneficiary": beneficiary.file_number,
                                                     "request": getattr(request, "reference", None),
                                                     "question": referral.question})
    referral_asked.send(tenant, referral=referral, actor=actor)
    return referral


def answer(referral: Referral, form, actor) -> Referral:
    if referral.answered_at is not None:
        raise IllegalTransition(_("This referral was already answered."))
    try:
        data = schemas.AnswerSchema().load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc
    if data["version"] != referral.version:
        raise ConflictError(CONFLICT)
    referral.answer, referral.answered_by_id, referral.answered_at = data["answer"], actor.id, utcnow()
    flush_or_conflict()
    note(referral.beneficiary_id, "referral", _("Referral answered: {answer}").format(answer=referral.answer),
         actor, None)
    audit.record("referral.answer", referral, after={"answer": referral.answer})
    referral_answered.send(None, referral=referral, actor=actor)
    return referral
