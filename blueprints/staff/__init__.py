"""The staff work area at /<slug>/staff/: one blueprint, routes split by concept."""
from blueprints.staff import (  # noqa: F401  (they add routes to bp)
    beneficiaries,
    changes,
    complaints,
    documents,
    exports,
    home,
    imports,
    lifecycle,
    notifications,
    pdpl,
    printing,
    program_registrations,
    programs,
    referrals,
    reports,
    requests,
    rights,
    rows,
    surveys,
    tokens,
    verification,
)
from blueprints.staff.base import bp

__all__ = ["bp"]
