"""The decision deadline: the day sent for review (Riyadh calendar) + the tenant's decision_sla_days."""
from datetime import date, datetime, timedelta

from core.calendar import local_date
from core.models.base import utcnow

DEFAULT_SLA_DAYS = 14


def sla_days(tenant) -> int:
    return int(((tenant.settings or {}).get("review") or {}).get("decision_sla_days") or DEFAULT_SLA_DAYS)


def decision_due(sent_at: datetime, days: int) -> date:
    """Calendar days, as the policies say "two weeks"; a request sent late on Sunday evening UTC counts
    from the Riyadh day it was sent."""
    return local_date(sent_at) + timedelta(days=days)


def today() -> date:
    return local_date(utcnow())


def is_overdue(request, on: date | None = None) -> bool:
    return (request.state == "under_review" and request.decision_due is not None
            and request.decision_due < (on or today()))


def days_left(request, on: date | None = None) -> int | None:
    if request.decision_due is None:
        return None
    return (request.decision_due - (on or today())).days
