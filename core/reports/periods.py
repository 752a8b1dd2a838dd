"""The dashboard's period: whole months from one to another, Gregorian or Hijri (Umm al-Qura)."""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from core.beneficiaries.errors import FormErrors
from core.calendar import RIYADH, CalendarError, from_hijri, to_hijri
from core.digits import ascii_digits
from core.i18n import locale_code
from core.workflow.deadlines import today

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
MAX_MONTHS = 60
CALENDARS = ("gregorian", "hijri")


@dataclass(frozen=True)
class Month:
    key: str     # 2026-03 or 1447-09, in the period's calendar
    start: date  # first Gregorian day
    end: date    # first Gregorian day of the next month

    def label(self, calendar: str) -> str:
        year, month = map(int, self.key.split("-"))
        if calendar == "hijri":
            name = to_hijri(self.start).month_name("ar" if locale_code() == "ar" else "en")
            return f"{name} {year}"
        return format_date(self.start, "MMMM y")


@dataclass(frozen=True)
class Period:
    calendar: str
    months: tuple[Month, ...]

    @property
    def start(self) -> date:
        return self.months[0].start

    @property
    def end(self) -> date:
        return self.months[-1].end

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(), RIYADH)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, time(), RIYADH)

    def month_of(self, day: date) -> str | None:
        """The key of the period's month that holds this (Riyadh) day, or None outside the period."""
        for month in self.months:
            if month.start <= day < month.end:
                return month.key
        return None

    def as_args(self) -> dict:
        return {"calendar": self.calendar, "from": self.months[0].key, "to": self.months[-1].key}


def _month(calendar: str, year: int, month: int) -> Month:
    if calendar == "hijri":
        start = from_hijri(year, month, 1)
        nxt = from_hijri(year + (month == 12), month % 12 + 1, 1)
    else:
        start = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
    return Month(f"{year:04d}-{month:02d}", start, nxt)


def _current(calendar: str) -> tuple[int, int]:
    day = today()
    if calendar == "hijri":
        h = to_hijri(day)
        return h.year, h.month
    return day.year, day.month


def _back(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - count
    return index // 12, index % 12 + 1


def parse(args) -> Period:
    """The period in the query string (calendar, from, to: YYYY-MM); the last 12 months by default."""
    errors = {}
    calendar = args.get("calendar") or "gregorian"
    if calendar not in CALENDARS:
        errors["calendar"] = str(_l("Choose one of the options."))
        calendar = "gregorian"
    now = _current(calendar)
    bounds = {}
    for key, default in (("from", _back(*now, 11)), ("to", now)):
        raw = ascii_digits(args.get(key) or "").strip()
        if not raw:
            bounds[key] = default
            continue
        match = MONTH_RE.match(raw)
        if not match or not 1 <= int(match.group(2)) <= 12:
            errors[key] = str(_l("Write the month as YYYY-MM."))
            continue
        bounds[key] = (int(match.group(1)), int(match.group(2)))
    if not errors:
        first, last = bounds["from"], bounds["to"]
        count = (last[0] * 12 + last[1]) - (first[0] * 12 + first[1]) + 1
        if count < 1:
            errors["to"] = str(_l("The last month comes before the first."))
        elif count > MAX_MONTHS:
            errors["to"] = str(_l("Choose at most {count} months.").format(count=MAX_MONTHS))
        else:
            try:
                months = tuple(_month(calendar, *_back(*last, count - 1 - i)) for i in range(count))
            except (CalendarError, ValueError):
                errors["from"] = str(_l("This month is outside the calendar's range."))
    if errors:
        raise FormErrors(errors)
    return Period(calendar, months)
