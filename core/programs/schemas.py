"""Marshmallow schemas for programs: the program form, the registration form, each action's form."""
import re
from datetime import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from core.beneficiaries import vocabulary
from core.beneficiaries.errors import FormErrors
from core.beneficiaries.fields import (
    REQUIRED,
    AmountField,
    DateField,
    FormSchema,
    MobileField,
    NationalIdField,
    choice,
    first_errors,
    parse_date,
    text,
    version_field,
)
from core.beneficiaries.schemas import _email as email_check
from core.digits import DigitError, to_ascii

#: Python weekday numbers in the Saudi week's order (Sunday first).
WEEKDAYS = (6, 0, 1, 2, 3, 4, 5)
WEEKDAY_LABELS = {6: _l("Sunday"), 0: _l("Monday"), 1: _l("Tuesday"), 2: _l("Wednesday"), 3: _l("Thursday"),
                  4: _l("Friday"), 5: _l("Saturday")}
GENDER_RULES = {"any": _l("Everyone"), "male": _l("Males only"), "female": _l("Females only")}
GUARDIAN_RELATIONS = {"father": _l("Father"), "mother": _l("Mother"), "brother": _l("Brother"),
                      "sister": _l("Sister"), "grandparent": _l("Grandparent"), "uncle": _l("Uncle"),
                      "aunt": _l("Aunt"), "legal_guardian": _l("Legal guardian")}
PAYMENT_METHODS = {"cash": _l("Cash"), "bank_transfer": _l("Bank transfer"), "card": _l("Card (mada)")}
ATTENDANCE = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"), "excused": _l("Excused")}
TIME_RE = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")


class CountField(fields.Integer):
    """A whole number typed in any digits people use here (٠-٩, ۰-۹ or ASCII), within a range."""

    def __init__(self, minimum=0, maximum=100_000, **kwargs):
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", None)
        super().__init__(strict=False, error_messages={"required": REQUIRED, "invalid": _l("Enter a whole number.")},
                         validate=validate.Range(min=minimum, max=maximum,
                                                 error=_l("Enter a number from {min} to {max}.")), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            typed = to_ascii(str(value)).strip()
        except DigitError as exc:  # Python's int() would take १५ or ١٥ alike: only ours and ASCII are digits
            raise ValidationError(str(exc.message)) from exc
        if typed and not (typed.isascii() and typed.lstrip("-").isdigit()):
            raise self.make_error("invalid")
        return super()._deserialize(typed, attr, data, **kwargs)


class TimeField(fields.Field):
    """A time of day typed as HH:MM (24 hours)."""

    def __init__(self, **kwargs):
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", None)
        kwargs.setdefault("error_messages", {"required": REQUIRED})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            match = TIME_RE.match(to_ascii(str(value)).strip())
        except DigitError:
            match = None
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValidationError(_("Write the time as HH:MM, for example 16:30."))
        return time(int(match.group(1)), int(match.group(2)))


class ProgramSchema(FormSchema):
    title = text(required=True, min_length=3, max_length=200)
    description = text(required=True, max_length=5000)
    target_group = text(required=True, max_length=200)
    min_age = CountField(maximum=120)
    max_age = CountField(maximum=120)
    gender = choice(GENDER_RULES, load_default="any")
    capacity = CountField(required=True, minimum=1, maximum=10_000)
    fee = AmountField()
    starts_on = DateField(required=True)
    ends_on = DateField(required=True)
    session_weekdays = fields.List(CountField(maximum=6), load_default=list)
    session_start = TimeField()
    session_end = TimeField()
    location = text(max_length=200)
    conditions = text(max_length=5000)
    requires_interview = fields.String(load_default=None)
    registration_closes_on = DateField()

    @validates_schema(skip_on_field_errors=False)
    def _together(self, data, **kwargs):
        errors = {}
        if data.get("min_age") is not None and data.get("max_age") is not None and data["min_age"] > data["max_age"]:
            errors["max_age"] = [_l("The highest age cannot be lower than the lowest.")]
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            errors["ends_on"] = [_l("The program cannot end before it starts.")]
        if not data.get("session_weekdays"):
            errors["session_weekdays"] = [_l("Choose at least one session day.")]
        if data.get("session_start") and data.get("session_end") and data["session_end"] <= data["session_start"]:
            errors["session_end"] = [_l("A session ends after it starts.")]
        closes, ends = data.get("registration_closes_on"), data.get("ends_on")
        if closes and ends and closes > ends:
            errors["registration_closes_on"] = [_l("Registration cannot close after the program ends.")]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _convert(self, data, **kwargs):
        data["requires_interview"] = bool(data.get("requires_interview"))
        data["conditions"] = [line.strip(" -•\t") for line in (data.get("conditions") or "").splitlines()
                              if line.strip(" -•\t")]
        data["session_weekdays"] = sorted(set(data["session_weekdays"]), key=WEEKDAYS.index)
        data["fee"] = data.get("fee") or 0
        return data


class ProgramUpdateSchema(ProgramSchema):
    version = version_field()


class RegistrationSchema(FormSchema):
    """What a registrant (or the staff member at the desk) fills in; the program's conditions are
    checked by the operation, which knows the program."""

    name = text(required=True, min_length=3, max_length=200)
    national_id = NationalIdField(required=True)
    birth_date = fields.String(required=True, error_messages={"required": REQUIRED})
    birth_calendar = choice(("gregorian", "hijri"), load_default="gregorian")
    gender = choice(vocabulary.GENDERS, required=True)
    mobile = MobileField()
    email = fields.String(load_default=None, validate=email_check)
    city = text(max_length=100)
    language = choice(vocabulary.LANGUAGES, load_default="ar")
    guardian_name = text(min_length=3, max_length=200)
    guardian_national_id = NationalIdField()
    guardian_relation = choice(GUARDIAN_RELATIONS)
    guardian_mobile = MobileField()
    guardian_consent = fields.String(load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def _birth(self, data, **kwargs):
        if data.get("birth_date"):
            try:
                parse_date(data["birth_date"], data.get("birth_calendar") or "gregorian")
            except ValidationError as exc:
                raise ValidationError({"birth_date": exc.messages}) from exc

    @post_load
    def _convert(self, data, **kwargs):
        data["birth_date"] = parse_date(data["birth_date"], data.get("birth_calendar") or "gregorian")
        data["email"] = (data.get("email") or "").lower() or None
        data["name"] = data["name"].strip()
        return data


class ActionSchema(FormSchema):
    version = version_field()
    note = text(max_length=2000)


class MissingSchema(ActionSchema):
    note = text(required=True, max_length=2000)


class ReasonSchema(ActionSchema):
    reason = text(required=True, max_length=2000)


class ScheduleSchema(ActionSchema):
    day = DateField(required=True)
    at = TimeField(required=True)
    place = text(max_length=200)
    interviewer_id = fields.Integer(required=True, strict=False, error_messages={
        "required": REQUIRED, "invalid": _l("Choose one of the options.")})


class InterviewOutcomeSchema(ActionSchema):
    outcome = choice(("accepted", "rejected"), required=True)
    met = fields.List(CountField(maximum=1000), load_default=list)
    notes = text(max_length=5000)
    reason = text(max_length=2000)

    @validates_schema
    def _reason(self, data, **kwargs):
        if data.get("outcome") == "rejected" and not data.get("reason"):
            raise ValidationError({"reason": [_l("Give the reason: the registrant has the right to know it.")]})


class FeeSchema(ActionSchema):
    amount = AmountField(required=True, minimum=0.01)
    method = choice(PAYMENT_METHODS, required=True)
    payer_name = text(required=True, min_length=3, max_length=200)


class ProgramActionSchema(FormSchema):
    version = version_field()
    reason = text(max_length=2000)


def load(schema, form, lists: tuple[str, ...] = ()):
    """The form's values through the schema, or FormErrors with a message per field."""
    try:
        return schema.load_form(form, lists=lists)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc
