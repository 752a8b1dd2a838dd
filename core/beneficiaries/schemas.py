"""Marshmallow schemas for the beneficiary file, its household members and income sources."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from core.beneficiaries import vocabulary
from core.beneficiaries.fields import (
    REQUIRED,
    AmountField,
    DateField,
    FormSchema,
    IdField,
    MobileField,
    NationalIdField,
    choice,
    parse_date,
    text,
    version_field,
)
from core.calendar import local_date
from core.dates import read_date
from core.models.base import utcnow


def _email(value: str) -> None:
    try:
        validate.Email()(value)
        validate.Length(max=254)(value)
    except ValidationError as exc:
        raise ValidationError(_("Enter an e-mail address such as name@example.com.")) from exc


class BeneficiarySchema(FormSchema):
    """The file as staff enter it. Categories are checked against the tenant's list (context)."""

    name = text(required=True, min_length=3, max_length=200)
    national_id = NationalIdField(required=True)
    nationality = fields.String(load_default="SA")
    gender = choice(vocabulary.GENDERS, required=True)
    birth_date = fields.String(load_default=None)
    birth_calendar = choice(("gregorian", "hijri"), load_default="gregorian")
    mobile = MobileField()
    email = fields.String(load_default=None, validate=_email)
    city = text(max_length=100)
    district = text(max_length=100)
    address = text(max_length=300)
    marital_status = choice(vocabulary.MARITAL_STATUSES)
    language = choice(vocabulary.LANGUAGES, load_default="ar")
    categories = fields.List(fields.String(), load_default=list)
    researcher_id = IdField()

    def __init__(self, *args, category_codes=(), researcher_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_codes = set(category_codes)
        self.researcher_ids = set(researcher_ids)

    @validates_schema(skip_on_field_errors=False)
    def _checks(self, data, **kwargs):
        errors = {}
        if data.get("nationality") and data["nationality"] not in vocabulary.countries():
            errors["nationality"] = [_l("Choose one of the options.")]
        unknown = [c for c in data.get("categories") or [] if c not in self.category_codes]
        if unknown:
            errors["categories"] = [_l("Choose one of the options.")]
        if data.get("researcher_id") is not None and data["researcher_id"] not in self.researcher_ids:
            errors["researcher_id"] = [_l("Choose a social researcher of this association.")]
        if data.get("birth_date"):
            try:
                day = parse_date(data["birth_date"], data.get("birth_calendar") or "gregorian")
            except ValidationError as exc:
                errors["birth_date"] = exc.messages
            else:
                if day > local_date(utcnow()):
                    errors["birth_date"] = [_l("This date is in the future.")]
                elif day.year < 1900:
                    errors["birth_date"] = [_l("Check the year.")]
        national_id = data.get("national_id")
        nationality = data.get("nationality")
        if national_id and nationality == "SA" and national_id.startswith("2"):
            errors["national_id"] = [_l("A Saudi citizen has a national ID starting with 1.")]
        elif national_id and nationality and nationality != "SA" and national_id.startswith("1"):
            errors["national_id"] = [_l("A national ID starting with 1 is a Saudi citizen's: a resident's iqama "
                                        "number starts with 2 (or choose Saudi as the nationality).")]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _convert(self, data, **kwargs):
        if data.get("birth_date"):
            # The calendar the date was typed in (the year tells, see core.dates) is the one the file shows.
            typed = read_date(data["birth_date"], data.get("birth_calendar") or "gregorian")
            data["birth_date"], data["birth_calendar"] = typed.day, typed.calendar
        data["email"] = (data.get("email") or "").lower() or None
        return data


class BeneficiaryUpdateSchema(BeneficiarySchema):
    version = version_field()


class HouseholdMemberSchema(FormSchema):
    relation = choice(vocabulary.RELATIONS, required=True)
    name = text(required=True, min_length=2, max_length=200)
    national_id = NationalIdField()
    birth_date = DateField(past=True)
    disability = text(max_length=200)
    schooling = text(max_length=100)


class IncomeSourceSchema(FormSchema):
    kind = choice(vocabulary.INCOME_KINDS, required=True)
    monthly_amount = AmountField(required=True)


__all__ = ["REQUIRED", "BeneficiarySchema", "BeneficiaryUpdateSchema", "HouseholdMemberSchema",
           "IncomeSourceSchema"]
