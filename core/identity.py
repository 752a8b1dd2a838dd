"""Identity checks at data entry: Saudi national ID / iqama numbers and mobile numbers.

The check digit is a data-entry check (a mistyped digit is caught), not identity verification.
"""
from functools import lru_cache

import phonenumbers
from flask_babel import lazy_gettext as _l

from core.digits import DigitError, to_ascii

DEFAULT_REGION = "SA"


class IdentityError(ValueError):
    """A value that cannot be a national ID or a mobile; the message says why, in the UI language."""


def _ascii_digits(value: str) -> str:
    """ASCII digits (Arabic-Indic ones converted, other kinds refused); spaces and dashes people type are dropped."""
    try:
        return "".join(to_ascii(value).split()).replace("-", "")
    except DigitError as exc:
        raise IdentityError(exc.message) from exc


def id_check_digit_ok(number: str) -> bool:
    """Luhn over the 10 digits: double the 1st, 3rd … 9th, add the digits, the total ends in 0."""
    total = 0
    for position, char in enumerate(number):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit // 10 + digit % 10
        total += digit
    return total % 10 == 0


def clean_national_id(value: str) -> str:
    """A Saudi national ID (starts with 1) or iqama (starts with 2), as 10 ASCII digits."""
    number = _ascii_digits(value)
    if not (number.isascii() and number.isdigit()) or len(number) != 10:
        raise IdentityError(_l("An ID number has exactly 10 digits."))
    if number[0] not in "12":
        raise IdentityError(_l("A national ID starts with 1 and an iqama number with 2."))
    if not id_check_digit_ok(number):
        raise IdentityError(_l("This ID number is not valid: check the digits (the last digit does not match)."))
    return number


def is_national_id(value: str) -> bool:
    try:
        clean_national_id(value)
    except IdentityError:
        return False
    return True


def clean_mobile(value: str) -> str:
    """A mobile number in E.164 (+9665XXXXXXXX); Saudi numbers may be typed as 05XXXXXXXX."""
    raw = _ascii_digits(value)
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise IdentityError(_l("Enter a mobile number such as 05XXXXXXXX or +9665XXXXXXXX.")) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise IdentityError(_l("This mobile number does not exist: check the digits."))
    kind = phonenumbers.number_type(parsed)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise IdentityError(_l("This is not a mobile number."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display_mobile(e164: str | None) -> str:
    """05XXXXXXXX for Saudi numbers, international format otherwise.

    Lists show 50 of these a page: parsing each with phonenumbers cost ~60 µs a row, so the answer is
    remembered per number (it depends on nothing else)."""
    if not e164:
        return ""
    return _display_mobile(e164)


@lru_cache(maxsize=16384)
def _display_mobile(e164: str) -> str:
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code == 966:
        return "0" + str(parsed.national_number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
