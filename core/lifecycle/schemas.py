"""Forms of the file's lifecycle: freeze, lift, exclusion decision, death, data update, campaign."""
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validates_schema

from core.beneficiaries.fields import (
    REQUIRED,
    DateField,
    FormSchema,
    MobileField,
    NationalIdField,
    choice,
    text,
    version_field,
)
from core.lifecycle.reasons import EXCLUSION_REASONS, FREEZE_REASONS


class VersionedSchema(FormSchema):
    version = version_field()


class FreezeSchema(VersionedSchema):
    reason = choice(FREEZE_REASONS, required=True)
    note = text(max_length=2000)


class LiftSchema(VersionedSchema):
    response = text(required=True, min_length=3, max_length=2000)


class ExclusionSchema(VersionedSchema):
    reason = choice(EXCLUSION_REASONS, required=True)
    decided_on = DateField(past=True)
    evidence = text(required=True, min_length=5, max_length=4000)
    form_reference = text(max_length=200)
    authority_referral = text(max_length=300)

    @validates_schema
    def _what_the_row_needs(self, data, **kwargs):
        needs = EXCLUSION_REASONS[data["reason"]].needs if data.get("reason") in EXCLUSION_REASONS else ()
        if "form_reference" in needs and not data.get("form_reference"):
            raise ValidationError(_l("Give the reference of the approved cancellation form the beneficiary filled."),
                                  "form_reference")
        if "authority_referral" in needs and not data.get("authority_referral"):
            raise ValidationError(_l("Say which authority the case was referred to."), "authority_referral")


class DeathSchema(VersionedSchema):
    died_on = DateField(required=True, past=True)
    evidence = text(required=True, min_length=3, max_length=2000)
    #: The household member who becomes the holder; none when the file is to be closed.
    new_holder_id = fields.Integer(strict=False, load_default=None,
                                   error_messages={"invalid": _l("Choose one of the options.")})
    new_holder_national_id = NationalIdField()
    new_holder_mobile = MobileField()


class UpdateSchema(VersionedSchema):
    note = text(required=True, min_length=3, max_length=2000)


class CampaignSchema(FormSchema):
    title = text(required=True, min_length=3, max_length=200)
    opens_on = DateField(required=True)
    closes_on = DateField(required=True)

    @validates_schema
    def _window(self, data, **kwargs):
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            raise ValidationError(_l("The window closes before it opens."), "closes_on")


__all__ = ["REQUIRED"]
