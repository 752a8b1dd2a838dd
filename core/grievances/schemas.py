"""The complaint form: the policy's nine required items, each missing one named on its field."""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from core.beneficiaries.fields import DateField, FormSchema, MobileField, NationalIdField, text
from core.beneficiaries.schemas import _email

#: The items of «ثالثاً» in the policy, as the form names them when one is missing.
ITEMS = {
    "name": _l("Item 1 (personal data): your full name is missing."),
    "national_id": _l("Item 1 (personal data): your ID number is missing."),
    "mobile": _l("Item 1 (personal data): a mobile number to reach you is missing."),
    "subject": _l("Item 2: the subject of the complaint is missing."),
    "facts": _l("Item 2: the facts, in the order they happened, are missing."),
    "against": _l("Item 3: the person or body complained about is missing."),
    "harm": _l("Item 4: the harm done is missing."),
    "reasons": _l("Item 5: the reasons for the complaint are missing."),
    "previous_steps": _l("Item 6: the steps you already took to solve it are missing (write «none» if none)."),
    "requested": _l("Item 7: what you ask for is missing."),
    "event_date": _l("The date of the event is missing: the complaint is filed within 30 days of it."),
}


def _required(name, min_length=2, max_length=3000):
    return fields.String(required=True, error_messages={"required": ITEMS[name]}, validate=validate.Length(
        min=min_length, max=max_length, error=_l("Enter between {min} and {max} characters.")))


class ComplaintSchema(FormSchema):
    name = _required("name", min_length=3, max_length=200)
    national_id = NationalIdField(required=True, error_messages={"required": ITEMS["national_id"]})
    mobile = MobileField(required=True, error_messages={"required": ITEMS["mobile"]})
    email = fields.String(load_default=None, validate=_email)
    subject = _required("subject", min_length=3, max_length=200)
    facts = _required("facts", min_length=10, max_length=6000)
    against = _required("against", min_length=2, max_length=300)
    harm = _required("harm", min_length=3, max_length=3000)
    reasons = _required("reasons", min_length=3, max_length=3000)
    previous_steps = _required("previous_steps", min_length=2, max_length=3000)
    requested = _required("requested", min_length=3, max_length=3000)
    other_information = text(max_length=3000)
    request_reference = text(max_length=20)
    event_date = DateField(required=True, past=True, error_messages={"required": ITEMS["event_date"]})
    late_excuse = text(max_length=3000)


class DecideSchema(FormSchema):
    version = fields.Integer(required=True, strict=False)
    outcome = fields.String(required=True, error_messages={"required": _l("Choose the outcome.")})
    decision = text(required=True, min_length=10, max_length=4000)

    @validates_schema
    def _outcome(self, data, **kwargs):
        if data.get("outcome") not in OUTCOMES:
            raise ValidationError(str(_l("Choose one of the options.")), "outcome")


OUTCOMES = {"upheld": _l("Upheld"), "partly_upheld": _l("Partly upheld"), "not_upheld": _l("Not upheld")}
NOTIFY_VIA = {"outbox": _l("SMS or e-mail from Wasl"), "phone": _l("Phone"), "in_person": _l("In person"),
              "letter": _l("Letter")}


class ActionSchema(FormSchema):
    version = fields.Integer(required=True, strict=False)
    note = text(max_length=4000)
    via = fields.String(load_default=None)


class LookupSchema(FormSchema):
    """Following one's complaint: its reference, the ID number and the mobile (or a one-time code)."""

    reference = fields.String(required=True, error_messages={"required": _l("This field is required.")})
    national_id = NationalIdField(required=True)
    mobile = MobileField()
    code = fields.String(load_default=None)


def clean_reference(value: str) -> str | None:
    """C-2026-00007 however typed (c-2026-7, Arabic-Indic digits)."""
    import re

    from core.arabic import normalise

    match = re.match(r"^c-?(\d{4})-(\d{1,6})$", normalise(value or "").replace(" ", ""))
    return f"C-{match.group(1)}-{int(match.group(2)):05d}" if match else None
