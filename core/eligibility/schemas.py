"""Forms of the verification: a step's outcome, the field visit, a witness, the needs study."""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validates_schema

from core.beneficiaries.fields import DateField, FormSchema, MobileField, NationalIdField, choice, text, version_field

STEP_STATUSES = ("pending", "done", "not_applicable")
HOUSING_CONDITIONS = {"good": _l("Good"), "fair": _l("Fair"), "poor": _l("Poor"), "unfit": _l("Unfit to live in")}


class StepSchema(FormSchema):
    version = version_field()
    status = choice(STEP_STATUSES, required=True)
    note = text(max_length=2000)

    @validates_schema
    def _reason(self, data, **kwargs):
        if data.get("status") == "not_applicable" and not data.get("note"):
            raise ValidationError(_l("Say why this step does not apply."), "note")


class VisitSchema(FormSchema):
    visited_on = DateField(required=True, past=True)
    visitors = text(required=True, min_length=3, max_length=300)
    housing_condition = choice(HOUSING_CONDITIONS, required=True)
    furniture = text(required=True, min_length=3, max_length=2000)
    needs_seen = text(required=True, min_length=3, max_length=2000)
    notes = text(max_length=4000)


class WitnessSchema(FormSchema):
    name = text(required=True, min_length=3, max_length=200)
    national_id = NationalIdField(required=True)
    relation = text(required=True, min_length=2, max_length=100)
    phone = MobileField(required=True)
    statement = text(required=True, min_length=10, max_length=4000)


class NeedsStudySchema(FormSchema):
    needs_found = text(required=True, min_length=5, max_length=4000)
    services_proposed = text(required=True, min_length=5, max_length=4000)
