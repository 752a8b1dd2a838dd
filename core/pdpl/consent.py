"""Consent to processing, recorded per purpose; for a minor, a guardian's."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validates_schema

from core import audit
from core.beneficiaries import vocabulary
from core.beneficiaries.errors import FormErrors, IllegalTransition
from core.beneficiaries.fields import DateField, FormSchema, NationalIdField, choice, first_errors, text
from core.extensions import db
from core.models.base import utcnow
from core.pdpl.models import Consent
from core.workflow.deadlines import today

PURPOSES = {
    "data_processing": _l("Keeping and processing the file's data to provide services"),
    "messages": _l("Receiving messages by SMS or e-mail"),
    "sharing": _l("Sharing the data with supervising bodies and partners"),
}
METHODS = {"in_person": _l("Signed in person"), "written": _l("Written letter"), "online": _l("Online")}
ADULT_AGE = 18


class ConsentSchema(FormSchema):
    purpose = choice(PURPOSES, required=True)
    method = choice(METHODS, required=True)
    given_on = DateField(past=True)
    given_by = choice(("self", "guardian"), load_default="self")
    guardian_name = text(min_length=3, max_length=200)
    guardian_national_id = NationalIdField()
    guardian_relation = choice(vocabulary.RELATIONS)

    @validates_schema
    def _guardian(self, data, **kwargs):
        if data.get("given_by") != "guardian":
            return
        errors = {key: [_l("This field is required.")] for key in ("guardian_name", "guardian_national_id",
                                                                    "guardian_relation") if not data.get(key)}
        if errors:
            raise ValidationError(errors)


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_minor(beneficiary, day: date | None = None) -> bool:
    age = age_on(beneficiary.birth_date, day or today())
    return age is not None and age < ADULT_AGE


def record_consent(beneficiary, form, actor) -> Consent:
    """A consent; a minor's (under 18 on the day given) must be a guardian's, with the guardian named."""
    try:
        data = ConsentSchema().load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc
    given_on = data.get("given_on") or today()
    if data["given_by"] == "self" and is_minor(beneficiary, given_on):
        raise FormErrors({"given_by": _("The beneficiary is under {age}: a guardian must give the consent.").format(
            age=ADULT_AGE)})
    if data["given_by"] == "self":
        data.update(guardian_name=None, guardian_national_id=None, guardian_relation=None)
    consent = Consent(beneficiary_id=beneficiary.id, purpose=data["purpose"], given_by=data["given_by"],
                      guardian_name=data.get("guardian_name"), guardian_national_id=data.get("guardian_national_id"),
                      guardian_relation=data.get("guardian_relation"), method=data["method"], given_on=given_on,
                      recorded_by_id=actor.id)
    db.session.add(consent)
    db.session.flush()
    audit.record("pdpl.consent", consent, after={"beneficiary": beneficiary.file_number, "purpose": consent.purpose,
                                                 "given_by": consent.given_by, "given_on": given_on.isoformat()})
    return consent


def withdraw_consent(beneficiary, consent: Consent, actor) -> Consent:
    if consent.withdrawn_at is not None:
        raise IllegalTransition(_l("This consent was already withdrawn."))
    consent.withdrawn_at, consent.withdrawn_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record("pdpl.consent.withdraw", consent, after={"beneficiary": beneficiary.file_number,
                                                          "purpose": consent.purpose})
    return consent


def consents_of(beneficiary) -> list[Consent]:
    return list(db.session.scalars(sa.select(Consent).where(Consent.beneficiary_id == beneficiary.id)
                                   .order_by(Consent.id.desc())))
