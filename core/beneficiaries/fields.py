"""Marshmallow fields and helpers shared by the workflow's schemas: translated messages, form input."""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from core.calendar import local_date
from core.dates import DateInputError, read_date
from core.digits import ARABIC_DECIMAL_SEPARATOR, ARABIC_THOUSANDS_SEPARATOR, DigitError, to_ascii, to_int
from core.identity import IdentityError, clean_mobile, clean_national_id
from core.models.base import utcnow
from core.models.keys import INT4_MAX
from core.text import forbidden_character

REQUIRED = _l("This field is required.")


class FormSchema(Schema):
    """Reads an HTML form: blank inputs count as not given; unknown inputs (csrf_token …) are ignored."""

    class Meta:
        unknown = EXCLUDE

    def load_form(self, form, lists: tuple[str, ...] = ()):
        data = {}
        for key in form:
            if key in lists:
                data[key] = [v for v in form.getlist(key) if v.strip()]
            else:
                value = form.get(key, "").strip()
                if value:
                    data[key] = value
        return self.load(data)


def _storable(multiline: bool):
    def check(value: str) -> None:
        if forbidden_character(value, multiline) is not None:
            raise ValidationError(_("Remove the control or text-direction characters from this text."))
    return check


def text(required=False, max_length=200, min_length=None, **kwargs):
    """Text typed in a form: a length, and no control or bidi-override characters (line breaks are
    allowed in longer texts)."""
    if not required:
        kwargs.setdefault("load_default", None)
    return fields.String(
        required=required,
        error_messages={"required": REQUIRED, "invalid": _l("Enter text.")},
        validate=[validate.Length(min=min_length, max=max_length,
                                  error=_l("Enter between {min} and {max} characters.") if min_length else
                                  _l("Enter at most {max} characters.")),
                  _storable(multiline=max_length > 300)],
        **kwargs)


def choice(options, required=False, **kwargs):
    if not required:
        kwargs.setdefault("load_default", None)
    return fields.String(required=required, error_messages={"required": REQUIRED},
                         validate=validate.OneOf(list(options), error=_l("Choose one of the options.")), **kwargs)


def parse_date(value: str, calendar: str = "gregorian") -> date:
    """A typed date in any accepted form (core.dates); the year decides the calendar, `calendar` is a hint."""
    try:
        return read_date(value, calendar).day
    except DateInputError as exc:
        raise ValidationError(str(exc.message)) from exc


class DateField(fields.Field):
    """A date typed as core.dates reads it (either calendar, Arabic-Indic digits); not in the future if `past`."""

    def __init__(self, past=False, **kwargs):
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", None)
        kwargs.setdefault("error_messages", {"required": REQUIRED})
        super().__init__(**kwargs)
        self.past = past

    def _deserialize(self, value, attr, data, **kwargs):
        day = parse_date(str(value))
        if self.past and day > local_date(utcnow()):
            raise ValidationError(_("This date is in the future."))
        return day


class _CleanedField(fields.Field):
    """A text field checked and normalised by an identity cleaner (IdentityError → field message)."""

    cleaner = staticmethod(lambda value: value)

    def __init__(self, **kwargs):
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", None)
        kwargs.setdefault("error_messages", {"required": REQUIRED})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.cleaner(str(value))
        except IdentityError as exc:
            raise ValidationError(str(exc)) from exc


class NationalIdField(_CleanedField):
    cleaner = staticmethod(clean_national_id)


class MobileField(_CleanedField):
    cleaner = staticmethod(clean_mobile)


class AmountField(fields.Decimal):
    """Saudi riyals, two decimals, not negative; Arabic-Indic digits and ٫ accepted."""

    def __init__(self, minimum=0, **kwargs):
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", None)
        super().__init__(places=2, error_messages={"required": REQUIRED, "invalid": _l("Enter an amount in riyals."),
                                                   "special": _l("Enter an amount in riyals.")},
                         validate=validate.Range(min=minimum, max=10_000_000, error=_l("Enter an amount in riyals.")),
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            value = to_ascii(str(value)).strip()
        except DigitError as exc:
            raise ValidationError(str(exc.message)) from exc
        value = value.replace(ARABIC_DECIMAL_SEPARATOR, ".").replace(ARABIC_THOUSANDS_SEPARATOR, "").replace(",", "")
        if len(value) > 20:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class WholeNumber(fields.Integer):
    """A whole number typed in ASCII or Arabic-Indic digits, within [low, high] (a column's range):
    anything else — other scripts' digits, a number too large for the database — is the field's message."""

    def __init__(self, low=1, high=INT4_MAX, **kwargs):
        if not kwargs.get("required"):
            kwargs.setdefault("load_default", None)
        messages = {"required": REQUIRED, "invalid": _l("Choose one of the options.")}
        messages.update(kwargs.pop("error_messages", {}))
        super().__init__(strict=False, error_messages=messages, **kwargs)
        self.low, self.high = low, high

    def _deserialize(self, value, attr, data, **kwargs):
        number = to_int(str(value), low=self.low, high=self.high)
        if number is None:
            raise self.make_error("invalid")
        return number


def IdField(**kwargs):  # noqa: N802 - reads as a field class
    """The id of a row chosen in a form (a hidden or select input): 1 … the id column's range."""
    return WholeNumber(**kwargs)


def version_field():
    return WholeNumber(required=True, error_messages={"invalid": _l("Reload the page and try again.")})


def first_errors(messages: dict) -> dict[str, str]:
    """{field: first message} for the form; nested lists flattened to their first string."""
    out = {}
    for key, value in messages.items():
        while isinstance(value, (list, dict)):
            value = next(iter(value.values())) if isinstance(value, dict) else value[0]
        out[key] = str(value)
    return out
