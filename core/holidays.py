"""Holidays and working days (Sunday–Thursday, minus the days off that apply to a tenant).

The platform's days off are the Saudi public holidays, computed for each year from the Umm al-Qura
calendar by the rules in the holidays file (`holidays.toml`, or WASL_HOLIDAYS_FILE): the two Eids from
their Hijri dates, Founding Day and National Day from their Gregorian ones, with the ranges the operator
sets and the days announced for a given year. A tenant adds its own days (`holidays`) and may drop a
platform day (`dropped_holidays`: a holiday's code, or one date).

`holidays_for` is the one place that says which days are off for an association; deadlines counted in
working days (grievances: 15 working days) go through `add_working_days`.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from core.calendar import CalendarError, from_hijri, to_hijri
from core.config import ROOT
from core.validation import N_

#: Python's weekday(): Monday is 0. The Saudi weekend is Friday and Saturday.
WEEKEND = frozenset({4, 5})

#: The Umm al-Qura table hijridate knows.
FIRST_HIJRI_YEAR, LAST_HIJRI_YEAR = 1343, 1500

_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


class HolidaysFileError(ValueError):
    """The holidays file is wrong; the message names the entry and the key."""


@dataclass(frozen=True)
class Rule:
    code: str
    label_ar: str
    label_en: str
    #: "hijri", "after_hijri" or "gregorian", and the month and day it names.
    anchor: str
    month: int
    day: int
    days: int = 1

    def label(self, locale: str) -> str:
        return self.label_ar if locale == "ar" else self.label_en


@dataclass(frozen=True)
class Holiday:
    """One holiday in one year: its first and last day (Gregorian)."""

    code: str
    label_ar: str
    label_en: str
    first: date
    last: date
    #: The Hijri year it belongs to.
    hijri_year: int
    #: "computed" from the rule, or "announced" by the operator for that year.
    source: str = "computed"

    def label(self, locale: str) -> str:
        return self.label_ar if locale == "ar" else self.label_en

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True, eq=False)
class Calendar:
    rules: tuple[Rule, ...]
    #: (code, hijri_year) → (first, last)
    announced: dict

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.rules)


def _month_day(value, where: str) -> tuple[int, int]:
    match = _MONTH_DAY.match(str(value))
    if not match:
        raise HolidaysFileError(f"{where}: write the day as month-day, e.g. 09-29")
    return int(match.group(1)), int(match.group(2))


def parse(text: str, source: str = "holidays.toml") -> Calendar:
    """The platform's holiday rules from the file's text, checked."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HolidaysFileError(f"{source}: not valid TOML: {exc}") from exc
    rules = []
    for index, entry in enumerate(raw.get("holiday", [])):
        where = f"{source}: holiday[{index}]"
        anchors = [key for key in ("hijri", "after_hijri", "gregorian") if key in entry]
        if len(anchors) != 1:
            raise HolidaysFileError(f"{where}: give exactly one of hijri, after_hijri, gregorian")
        for key in ("code", "label_ar", "label_en"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise HolidaysFileError(f"{where}: {key} is required")
        month, day = _month_day(entry[anchors[0]], f"{where}: {anchors[0]}")
        days = entry.get("days", 1)
        if not isinstance(days, int) or not 1 <= days <= 30:
            raise HolidaysFileError(f"{where}: days must be a whole number from 1 to 30")
        if anchors[0] == "gregorian":
            try:
                date(2024, month, day)  # a leap year: 02-29 exists
            except ValueError as exc:
                raise HolidaysFileError(f"{where}: gregorian: not a day of the year") from exc
        elif not (1 <= month <= 12 and 1 <= day <= 30):
            raise HolidaysFileError(f"{where}: {anchors[0]}: not a day of the Hijri year")
        rules.append(Rule(entry["code"], entry["label_ar"], entry["label_en"], anchors[0], month, day, days))
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):
        raise HolidaysFileError(f"{source}: a holiday code is used twice")
    announced = {}
    for index, entry in enumerate(raw.get("announced", [])):
        where = f"{source}: announced[{index}]"
        if entry.get("code") not in codes:
            raise HolidaysFileError(f"{where}: code must be one of {', '.join(codes)}")
        try:
            first, last = date.fromisoformat(str(entry["first"])), date.fromisoformat(str(entry["last"]))
            year = int(entry["hijri_year"])
        except (KeyError, ValueError) as exc:
            raise HolidaysFileError(f"{where}: needs hijri_year, first and last (YYYY-MM-DD)") from exc
        if last < first or (last - first).days > 30:
            raise HolidaysFileError(f"{where}: last must be on or after first, at most 30 days later")
        announced[(entry["code"], year)] = (first, last)
    return Calendar(tuple(rules), announced)


def _path() -> Path:
    return Path(os.environ.get("WASL_HOLIDAYS_FILE") or ROOT / "holidays.toml")


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Calendar:
    return parse(Path(path).read_text(encoding="utf-8"), path)


def platform_calendar() -> Calendar:
    """The rules in force (read again when the file changes)."""
    path = _path()
    return _load(str(path), path.stat().st_mtime)


def _first_day(rule: Rule, hijri_year: int) -> date | None:
    try:
        if rule.anchor == "gregorian":
            start, end = from_hijri(hijri_year, 1, 1), from_hijri(hijri_year + 1, 1, 1) - timedelta(days=1)
            for year in (start.year, end.year):
                try:
                    day = date(year, rule.month, rule.day)
                except ValueError:  # 29 February in a common year
                    continue
                if start <= day <= end:
                    return day
            return None
        day = from_hijri(hijri_year, rule.month, rule.day)
    except CalendarError:
        return None
    return day + timedelta(days=1) if rule.anchor == "after_hijri" else day


@lru_cache(maxsize=256)
def _year(calendar: Calendar, hijri_year: int) -> tuple[Holiday, ...]:
    out = []
    for rule in calendar.rules:
        announced = calendar.announced.get((rule.code, hijri_year))
        if announced:
            out.append(Holiday(rule.code, rule.label_ar, rule.label_en, *announced, hijri_year, "announced"))
            continue
        first = _first_day(rule, hijri_year)
        if first is not None:
            last = first + timedelta(days=rule.days - 1)
            out.append(Holiday(rule.code, rule.label_ar, rule.label_en, first, last, hijri_year))
    return tuple(sorted(out, key=lambda h: h.first))


def platform_holidays(hijri_year: int) -> list[Holiday]:
    """The Saudi public holidays of one Hijri year (none outside the Umm al-Qura table)."""
    if not FIRST_HIJRI_YEAR <= hijri_year < LAST_HIJRI_YEAR:
        return []
    return list(_year(platform_calendar(), hijri_year))


def platform_holidays_between(start: date, end: date) -> list[Holiday]:
    """The platform's holidays that have a day between start and end (inclusive)."""
    try:
        first_year, last_year = to_hijri(start).year - 1, to_hijri(end).year
    except CalendarError:
        return []
    return [h for year in range(first_year, last_year + 1) for h in platform_holidays(year)
            if h.last >= start and h.first <= end]


def dropped_problems(values: list[str]) -> list[tuple[int, str]]:
    """(index, message) for each dropped holiday that is neither a platform holiday's code nor a date."""
    codes = platform_calendar().codes
    problems = []
    for index, value in enumerate(values):
        if value in codes:
            continue
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            problems.append((index, N_("must be a platform holiday ({codes}) or a date written YYYY-MM-DD",
                                       codes=", ".join(codes))))
    return problems


def holidays_for(tenant, start: date, end: date) -> set[date]:
    """The tenant's days off between start and end (inclusive): the platform's holidays less the ones
    it dropped, and its own days."""
    settings = tenant.settings or {}
    dropped = set(settings.get("dropped_holidays", []))
    days = set()
    for holiday in platform_holidays_between(start, end):
        if holiday.code in dropped:
            continue
        days.update(d for d in holiday.days() if start <= d <= end and d.isoformat() not in dropped)
    for text in settings.get("holidays", []):
        day = date.fromisoformat(text) if isinstance(text, str) else text
        if start <= day <= end:
            days.add(day)
    return days


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def add_working_days(tenant, start: date, days: int) -> date:
    """The working day `days` working days after `start` (the start day itself is not counted)."""
    # Generous window for the holiday lookup: weekends and the longest Eid break fit in it.
    off = holidays_for(tenant, start, start + timedelta(days=days * 2 + 60))
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, off):
            left -= 1
    return day


def working_days_between(tenant, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    off = holidays_for(tenant, start, end)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n), off))
