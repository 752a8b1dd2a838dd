"""Forms for change requests: what the beneficiary reports, and staff's decision."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validates_schema

from core.beneficiaries.fields import FormSchema, MobileField, text
from core.beneficiaries.schemas import _email

KINDS = {
    "address": _l("Address or place of residence"),
    "contact": _l("Mobile number or e-mail"),
    "family": _l("Family (a birth, a death, a marriage, a divorce …)"),
    "income": _l("Income or work"),
    "other": _l("Something else"),
}


class ChangeSchema(FormSchema):
    kinds = fields.List(fields.String(), load_default=list)
    city = text(max_length=100)
    district = text(max_length=100)
    address = text(max_length=300)
    mobile = MobileField()
    email = fields.String(load_default=None, validate=_email)
    description = text(max_length=2000)

    @validates_schema
    def _something(self, data, **kwargs):
        kinds = data.get("kinds") or []
        if not kinds:
            raise ValidationError(_("Tick what has changed."), "kinds")
        if any(k not in KINDS for k in kinds):
            raise ValidationError(_("Choose one of the options."), "kinds")
        if "address" in kinds and not (data.get("city") or data.get("district") or data.get("address")):
            raise ValidationError(_("Write your new address."), "address")
        if "contact" in kinds and not (data.get("mobile") or data.get("email")):
            raise ValidationError(_("Write your new mobile number or e-mail."), "mobile")
        if set(kinds) & {"family", "income", "other"} and not data.get("description"):
            raise ValidationError(_("Describe the change: what happened and when."), "description")


class DecisionSchema(FormSchema):
    reason = text(max_length=2000)
