"""Forms of the rights_duties module."""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validates_schema

from core.beneficiaries.fields import DateField, FormSchema, MobileField, choice, text

ACK_METHODS = {"in_person": _l("In person"), "signed_form": _l("Signed form"), "online": _l("Online")}


class AcknowledgementSchema(FormSchema):
    method = choice(ACK_METHODS, required=True)
    acknowledged_on = DateField(past=True)


class ResearcherChangeSchema(FormSchema):
    reasons = text(required=True, min_length=10, max_length=4000)
    requested_on = DateField(past=True)


class ResearcherDecisionSchema(FormSchema):
    outcome = choice(("approved", "refused"), required=True)
    new_researcher_id = fields.Integer(strict=False, load_default=None,
                                       error_messages={"invalid": _l("Choose one of the options.")})
    note = text(max_length=2000)

    @validates_schema
    def _what_each_needs(self, data, **kwargs):
        if data.get("outcome") == "approved" and not data.get("new_researcher_id"):
            raise ValidationError(_l("Choose the new social researcher."), "new_researcher_id")
        if data.get("outcome") == "refused" and not data.get("note"):
            raise ValidationError(_l("Give the reason: the beneficiary is told it."), "note")


class FamilyMemberSchema(FormSchema):
    name = text(required=True, min_length=3, max_length=200)
    relation = text(required=True, min_length=2, max_length=100)
    phone = MobileField()
    scope = text(required=True, min_length=3, max_length=2000)
