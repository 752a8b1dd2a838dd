"""Portal forms: applying online and finding one's own request (reference + ID + mobile, or a code)."""
import re

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validates_schema

from core.arabic import normalise
from core.beneficiaries.fields import REQUIRED, FormSchema, MobileField, NationalIdField, text

REFERENCE_RE = re.compile(r"^(\d{4})-(\d{1,6})$")


def clean_reference(value: str) -> str | None:
    """2026-00042 however typed (Arabic-Indic digits, spaces, 2026-42); None if it cannot be one."""
    match = REFERENCE_RE.match(normalise(value or "").replace(" ", ""))
    if not match:
        return None
    return f"{match.group(1)}-{int(match.group(2)):05d}"


class ApplySchema(FormSchema):
    """What the portal form adds to the file's fields: the service, the declaration and the signature."""

    service = fields.String(required=True, error_messages={"required": REQUIRED})
    details = text(max_length=2000)
    mobile = MobileField(required=True)
    declaration = fields.String(required=True, error_messages={
        "required": _l("Tick the declaration: the request cannot be sent without it.")})
    signature = text(required=True, max_length=200)
    name = text(required=True, min_length=3, max_length=200)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.services = set(services)

    @validates_schema(skip_on_field_errors=False)
    def _checks(self, data, **kwargs):
        errors = {}
        if data.get("service") and data["service"] not in self.services:
            errors["service"] = [_l("Choose one of the options.")]
        if data.get("signature") and data.get("name") and normalise(data["signature"]) != normalise(data["name"]):
            errors["signature"] = [_l("Type your full name exactly as you wrote it above.")]
        if errors:
            raise ValidationError(errors)


class LookupSchema(FormSchema):
    """The check before the portal shows a request or takes a change: reference, ID and the mobile."""

    reference = fields.String(required=True, error_messages={"required": REQUIRED})
    national_id = NationalIdField(required=True)
    mobile = MobileField()
    code = fields.String(load_default=None)

    @post_load
    def _reference(self, data, **kwargs):
        data["reference"] = clean_reference(data["reference"])
        if data.get("code"):
            data["code"] = normalise(data["code"]).replace(" ", "")
        return data
