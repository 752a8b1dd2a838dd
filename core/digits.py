"""Digits as people type them: the one normaliser for every field that takes a number.

Saudi users type Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits as often as ASCII ones; they
are the same digits and become ASCII here. Every other kind of digit or number sign (Devanagari १,
superscripts ², fractions ½, circled ①, full-width ３ …) is refused: Python's `int()` and `\\d` accept
many of them, so without this one check `1१५९७६८४८८` would pass as an ID number distinct from
`1159768488`, and `²` would pass `isdigit()` and then fail `int()`.

Use `to_ascii(text)` for a field that is a number (ID, mobile, date, amount, position, reference);
it raises `DigitError` with a translated message for the field. `ascii_digits(text)` only converts
(for free text, such as a name search, where other characters are simply not digits).
"""
import unicodedata

from flask_babel import lazy_gettext as _l

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
EASTERN_ARABIC_INDIC = "۰۱۲۳۴۵۶۷۸۹"
#: Arabic decimal and thousands separators (٫ ٬), for amounts.
ARABIC_DECIMAL_SEPARATOR = "\u066b"
ARABIC_THOUSANDS_SEPARATOR = "\u066c"

_TO_ASCII = str.maketrans(ARABIC_INDIC + EASTERN_ARABIC_INDIC, "0123456789" * 2)

MESSAGE = _l("Type the number with the digits 0-9 or ٠-٩.")


class DigitError(ValueError):
    """A number typed with digits of another script; `message` is for the field."""

    def __init__(self, message=MESSAGE):
        super().__init__(str(message))
        self.message = message


def ascii_digits(text: str | None) -> str:
    """Arabic-Indic and Eastern Arabic-Indic digits as ASCII; nothing else changes."""
    return (text or "").translate(_TO_ASCII)


def foreign_digit(char: str) -> bool:
    """A digit or number sign that is neither ASCII nor one of the two Arabic sets (after conversion)."""
    if char.isascii():
        return False
    return char.isdigit() or char.isnumeric() or unicodedata.category(char) in ("Nd", "Nl", "No")


def to_ascii(text: str | None) -> str:
    """The value with ASCII digits, or DigitError if it holds a digit of any other kind."""
    converted = ascii_digits(text)
    if any(foreign_digit(char) for char in converted):
        raise DigitError()
    return converted


def to_int(text: str | None, low: int | None = None, high: int | None = None) -> int | None:
    """An integer typed in ASCII or Arabic digits (surrounding spaces allowed), within [low, high]; else None."""
    try:
        value = to_ascii(text).strip()
    except DigitError:
        return None
    if not value or not (value.isascii() and value.lstrip("-").isdigit()) or len(value) > 30:
        return None
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number
