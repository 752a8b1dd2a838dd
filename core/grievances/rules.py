"""The grievance policy's numbers: the 30-day filing window and the 15-working-day decision deadline."""
from datetime import date, timedelta

from core.holidays import add_working_days, holidays_for

#: «خلال مدة لا تتجاوز (٣٠) يوماً من تاريخ حدوث الحق المطالب به»
FILING_WINDOW_DAYS = 30
#: «في مدة لا تتجاوز ١٥ يوم عمل من تاريخ تقديم الطلب»
DECISION_WORKING_DAYS = 15


def is_late(event_date: date, filed_on: date) -> bool:
    """Day 30 after the event is still in time; day 31 needs an excuse."""
    return (filed_on - event_date).days > FILING_WINDOW_DAYS


def decision_due(tenant, filed_on: date) -> date:
    return add_working_days(tenant, filed_on, DECISION_WORKING_DAYS)


def holidays_counted(tenant, filed_on: date, due: date) -> list[date]:
    """The days off between filing and the due date that pushed the deadline (shown beside it)."""
    return sorted(d for d in holidays_for(tenant, filed_on + timedelta(days=1), due) if d.weekday() not in (4, 5))
