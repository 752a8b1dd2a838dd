"""Time-based work, registered once and run by whichever runner the deployment has.

A job is a plain function `run(now: datetime) -> int` (how many things it changed) that is idempotent:
running it twice, or in two workers at once, changes nothing the second time. It finds its own tenants
(`tenants_with_module`) and works inside each one's scope. The task queue's beat schedule and
`wasl jobs run` (for cron) both read `REGISTRY`.

    @job("service_controls.expire_freezes", every=timedelta(hours=1), module="service_controls")
    def expire_freezes(now): ...
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], int]
    every: timedelta
    #: The tenant module the job serves (None: every tenant); informative for the operator.
    module: str | None = None


REGISTRY: dict[str, Job] = {}

#: Modules that register jobs; `load_jobs` (called by the app factory) imports them. Add yours here.
JOB_MODULES = (
    "core.messaging.jobs",
    "core.policy.jobs",
    "core.pdpl.anonymise",
    "core.surveys.jobs",
    "core.grievances.jobs",
    "core.lifecycle.jobs",
    "core.workflow.reminders",
    "core.programs.jobs",
    "core.notifications.jobs",
)


def job(name: str, every: timedelta, module: str | None = None):
    def register(fn: Callable[[datetime], int]):
        if name in REGISTRY and REGISTRY[name].run is not fn:
            raise ValueError(f"job {name!r} registered twice")
        REGISTRY[name] = Job(name, fn, every, module)
        return fn
    return register


def load_jobs() -> dict[str, Job]:
    """Import every module of JOB_MODULES so its `@job` functions are in REGISTRY."""
    for name in JOB_MODULES:
        importlib.import_module(name)
    return REGISTRY


def tenants_with_module(module: str | None = None) -> Iterator:
    """Active tenants (with the module on, if given), each yielded inside its own tenant scope."""
    from core.extensions import db
    from core.models import Tenant, TenantStatus
    from core.tenancy import cross_tenant_scope, tenant_scope

    with cross_tenant_scope():
        found = db.session.scalars(db.select(Tenant).where(Tenant.status == TenantStatus.active)
                                   .order_by(Tenant.id)).all()
    for tenant in found:
        if module is None or module in (tenant.settings or {}).get("modules", []):
            with tenant_scope(tenant):
                yield tenant

