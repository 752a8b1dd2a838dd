"""The lifecycle's time-based rules, run by the task queue (every hour; idempotent, safe concurrently)."""
from datetime import timedelta

from core.calendar import local_date
from core.jobs import job, tenants_with_module
from core.lifecycle import operations


@job("service_controls.update_deadlines", every=timedelta(hours=1), module="service_controls")
def update_deadlines(now) -> int:
    """Files whose annual data update is past due are frozen for late documents (one month by default)."""
    return sum(operations.lapse_updates(tenant, local_date(now)) for tenant in tenants_with_module("service_controls"))


@job("service_controls.expire_freezes", every=timedelta(hours=1), module="service_controls")
def expire_freezes(now) -> int:
    """Freezes that ended without a response put the file in the manager's "exclusion due" queue."""
    return sum(operations.expire_freezes(tenant, local_date(now)) for tenant in tenants_with_module("service_controls"))
