"""Gregorian and Hijri (Umm al-Qura) dates, and Riyadh local time."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hijridate import Gregorian, Hijri

RIYADH = ZoneInfo("Asia/Riyadh")


class CalendarError(ValueError):
    """A date that does not exist, or lies outside the Umm al-Qura table (1343–1500 AH)."""


def to_hijri(day: date) -> Hijri:
    try:
        return Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError) as exc:
        raise CalendarError(str(exc)) from exc


def from_hijri(year: int, month: int, day: int) -> date:
    try:
        return Hijri(year, month, day).to_gregorian()
    except (OverflowError, ValueError) as exc:
        raise CalendarError(str(exc)) from exc


def local_date(value: date | datetime) -> date:
    """The calendar day in Riyadh for a timestamp (dates pass through)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(RIYADH)
        return value.date()
    return value


def hijri_iso(day: date) -> str:
    h = to_hijri(day)
    return f"{h.year:04d}-{h.month:02d}-{h.day:02d}"


def hijri_long(day: date, locale: str) -> str:
    """e.g. '3 صفر 1446' or '3 Safar 1446'."""
    h = to_hijri(day)
    return f"{h.day} {h.month_name('ar' if locale == 'ar' else 'en')} {h.year}"
