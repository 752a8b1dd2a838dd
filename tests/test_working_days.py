"""Working days: Sunday–Thursday, minus the association's holidays."""
from datetime import date
from types import SimpleNamespace

from core.holidays import add_working_days, working_days_between


def _tenant(*holidays):
    return SimpleNamespace(settings={"holidays": list(holidays)})


def test_fifteen_working_days_skip_fridays_and_saturdays():
    # Sunday 2026-11-01 + 15 working days = three weeks later, Sunday 2026-11-22.
    assert add_working_days(_tenant(), date(2026, 11, 1), 15) == date(2026, 11, 22)


def test_a_holiday_pushes_the_deadline_by_one_working_day():
    assert add_working_days(_tenant("2026-11-10"), date(2026, 11, 1), 15) == date(2026, 11, 23)


def test_a_thursday_start_counts_from_sunday():
    assert add_working_days(_tenant(), date(2026, 11, 5), 1) == date(2026, 11, 8)


def test_working_days_between_counts_only_working_days_after_start():
    assert working_days_between(_tenant("2026-11-10"), date(2026, 11, 1), date(2026, 11, 22)) == 14
    assert working_days_between(_tenant(), date(2026, 11, 5), date(2026, 11, 5)) == 0
