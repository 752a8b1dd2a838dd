"""Dates as staff type them: one parser for every date field, Gregorian or Hijri (Umm al-Qura).

Accepted (ASCII, Arabic-Indic ٠-٩ or Eastern Arabic-Indic ۰-۹ digits; `-`, `/` or `.` between the parts):

- year first: `2024-08-07`, `2024/8/7`, `1446/02/03`;
- day first (the Saudi habit; never month first): `07/08/2024`, `3/2/1446`;
- an optional calendar mark: `هـ`, `ه`, `AH` or `H` for Hijri; `م`, `AD` or `G` for Gregorian.

The ambiguity rule: without a mark, the year decides. Umm al-Qura covers 1343–1500 AH, and no Gregorian
date a person types here lies before 1501, so a year up to 1500 is Hijri and a year from 1501 is
Gregorian. A mark that contradicts the year (`2024/08/07 هـ`) is refused rather than guessed.
"""
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from core.calendar import CalendarError, from_hijri, hijri_iso
from core.digits import DigitError, to_ascii

#: The last year read as Hijri when the date carries no calendar mark.
LAST_HIJRI_YEAR = 1500

_HIJRI_MARKS = ("هـ", "ھ", "ه", "ah", "h")
_GREGORIAN_MARKS = ("م", "ad", "g")
_SEP = r"\s*[-/.\u060d\u2044]\s*"
_YEAR_FIRST = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})")
_DAY_FIRST = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})")
# Invisible marks a paste from a document or a phone keyboard brings along.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u200b\u200c\u200d\u2066\u2067\u2068\u2069\u202a\u202b\u202c"
                               "\u202d\u202e\u0640"), None)

FORMAT_HELP = _l("e.g. 07/08/2024, 2024-08-07 or 1446/02/03 هـ")


class DateInputError(ValueError):
    """A typed date that cannot be read; `message` is translated, for the field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class TypedDate:
    """What was understood: the day, and the calendar the person typed it in."""

    day: date
    calendar: str  # "gregorian" or "hijri"


def _mark(text: str) -> tuple[str, str | None]:
    """The text without its trailing calendar mark, and the calendar the mark names."""
    lowered = text.lower().rstrip(" .")
    for marks, calendar in ((_HIJRI_MARKS, "hijri"), (_GREGORIAN_MARKS, "gregorian")):
        for mark in marks:
            if lowered.endswith(mark):
                return lowered[: -len(mark)].strip(), calendar
    return lowered, None


def read_date(value: str | None, calendar: str | None = None) -> TypedDate:
    """The date typed in `value`; `calendar` ("hijri"/"gregorian") is only a hint for a bare year ≤ 1500.

    Raises DateInputError with a message for the field.
    """
    try:
        text = to_ascii((value or "").translate(_INVISIBLE)).strip()
    except DigitError as exc:
        raise DateInputError(exc.message) from exc
    text, marked = _mark(text)
    match = _YEAR_FIRST.fullmatch(text)
    if match:
        year, month, day = map(int, match.groups())
    else:
        match = _DAY_FIRST.fullmatch(text)
        if not match:
            raise DateInputError(_l("Write the date as day/month/year, e.g. 07/08/2024 or 1446/02/03 هـ."))
        day, month, year = map(int, match.groups())
    by_year = "hijri" if year <= LAST_HIJRI_YEAR else "gregorian"
    if marked and marked != by_year:
        raise DateInputError(_l("This year does not belong to the calendar written after it."))
    if by_year == "hijri":
        try:
            return TypedDate(from_hijri(year, month, day), "hijri")
        except CalendarError as exc:
            raise DateInputError(_l("This is not a date of the Umm al-Qura calendar (1343–1500 AH).")) from exc
    try:
        return TypedDate(date(year, month, day), "gregorian")
    except ValueError as exc:
        raise DateInputError(_l("This date does not exist.")) from exc


def parse_day(value: str | None) -> date:
    """The day typed in `value` (see `read_date`)."""
    return read_date(value).day


def understood(value: str | None) -> dict | None:
    """What the server reads in `value`, for the preview and the echo next to a field; None if blank."""
    if not (value or "").strip():
        return None
    try:
        typed = read_date(value)
    except DateInputError as exc:
        return {"ok": False, "error": str(exc.message)}
    try:
        hijri = hijri_iso(typed.day)
    except CalendarError:
        hijri = None
    return {"ok": True, "day": typed.day, "iso": typed.day.isoformat(), "hijri": hijri, "calendar": typed.calendar}
