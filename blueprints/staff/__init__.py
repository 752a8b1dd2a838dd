"""The staff work area at /<slug>/staff/: one blueprint, routes split by concept."""
from blueprints.staff import (  # noqa: F401  (they add routes to bp)
    beneficiaries,
    changes,
    complaints,
    exports,
    home,
    imports,
    lifecycle,
    notifications,
    pdpl,
    program_registrations,
    programs,
    referrals,
    reports,
    requests,
    rights,
    surveys,
    tokens,
    verification,
)
from blueprints.staff.base import bp

__all__ = ["bp"]
