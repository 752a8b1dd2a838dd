"""Marshmallow schemas for support requests: intake, each action's form, documents, referrals, contacts."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validates_schema

from core.beneficiaries.fields import (
    REQUIRED,
    AmountField,
    DateField,
    FormSchema,
    IdField,
    choice,
    text,
    version_field,
)
from core.workflow.services import SERVICE_KINDS


class IntakeSchema(FormSchema):
    """A new request; channel and service are checked against the tenant's lists (given at construction)."""

    channel = fields.String(required=True, error_messages={"required": REQUIRED})
    office = text(max_length=120)
    service = fields.String(required=True, error_messages={"required": REQUIRED})
    details = text(max_length=2000)

    def __init__(self, *args, channels=(), services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.channels, self.services = set(channels), set(services)

    @validates_schema
    def _lists(self, data, **kwargs):
        errors = {}
        if data.get("channel") not in self.channels:
            errors["channel"] = [_l("Choose one of the association's channels.")]
        if data.get("service") not in self.services:
            errors["service"] = [_l("Choose one of the options.")]
        if errors:
            raise ValidationError(errors)


class ActionSchema(FormSchema):
    version = version_field()


class DeclareSchema(ActionSchema):
    method = choice(("in_person", "online"), required=True)
    signed = fields.String(required=True, error_messages={
        "required": _l("Confirm that the applicant signed the declaration.")})


class CommitteeReviewSchema(ActionSchema):
    meeting_date = DateField(required=True)
    members = text(required=True, min_length=3, max_length=1000)


class ManagerReviewSchema(ActionSchema):
    manager_id = IdField(required=True)


class AcceptSchema(ActionSchema):
    note = text(max_length=2000)


class RejectSchema(ActionSchema):
    reason = text(min_length=10, max_length=2000)

    @validates_schema
    def _reason(self, data, **kwargs):
        if not data.get("reason"):
            raise ValidationError(_("A rejection needs a reason: the beneficiary has the right to know it."),
                                  "reason")


class NoteSchema(ActionSchema):
    note = text(max_length=2000)


class CloseSchema(NoteSchema):
    #: Required when a rejection is closed before the beneficiary was told of it (checked in the operation).
    reason = text(max_length=2000)


class ServeSchema(ActionSchema):
    kind = choice(SERVICE_KINDS, required=True)
    amount = AmountField(minimum=0.01)
    description = text(max_length=2000)
    served_on = DateField(past=True)

    @validates_schema
    def _what(self, data, **kwargs):
        if data.get("kind") == "financial" and data.get("amount") is None:
            raise ValidationError(_("Financial aid needs the amount in riyals."), "amount")
        if data.get("kind") in ("in_kind", "program_seat", "external_referral") and not data.get("description"):
            raise ValidationError(_("Say what was delivered (items, program or body referred to)."),
                                  "description")


class WithdrawSchema(ActionSchema):
    reason = text(required=True, min_length=3, max_length=2000)


class DocumentSchema(FormSchema):
    version = version_field()
    received_on = DateField(past=True)
    verified = fields.String(load_default=None)
    note = text(max_length=300)


class ReferralSchema(FormSchema):
    question = text(required=True, min_length=5, max_length=2000)
    request_id = IdField()


class AnswerSchema(FormSchema):
    version = version_field()
    answer = text(required=True, min_length=2, max_length=4000)


class InteractionSchema(FormSchema):
    channel = fields.String(required=True, error_messages={"required": REQUIRED})
    direction = choice(("in", "out"), required=True)
    summary = text(required=True, min_length=3, max_length=2000)
    request_id = IdField()

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.channels = set(channels)

    @validates_schema
    def _channel(self, data, **kwargs):
        if data.get("channel") not in self.channels:
            raise ValidationError(_("Choose one of the association's channels."), "channel")


class NotifiedSchema(ActionSchema):
    channel = fields.String(required=True, error_messages={"required": REQUIRED})
    note = text(max_length=500)
