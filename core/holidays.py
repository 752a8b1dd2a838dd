"""Holidays and working days (Sunday–Thursday, minus the holidays that apply to a tenant).

`holidays_for` is the one place that says which days are off for an association; deadlines counted in
working days (grievances: 15 working days) go through `add_working_days`.
"""
from datetime import date, timedelta

#: Python's weekday(): Monday is 0. The Saudi weekend is Friday and Saturday.
WEEKEND = frozenset({4, 5})


def holidays_for(tenant, start: date, end: date) -> set[date]:
    """The tenant's days off between start and end (inclusive)."""
    days = set()
    for text in (tenant.settings or {}).get("holidays", []):
        day = date.fromisoformat(text)
        if start <= day <= end:
            days.add(day)
    return days


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def add_working_days(tenant, start: date, days: int) -> date:
    """The working day `days` working days after `start` (the start day itself is not counted)."""
    # Generous window for the holiday lookup: weekends and the longest Eid break fit in it.
    off = holidays_for(tenant, start, start + timedelta(days=days * 2 + 30))
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
