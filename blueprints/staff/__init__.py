"""The staff work area at /<slug>/staff/: one blueprint, routes split by concept."""
from blueprints.staff import (  # noqa: F401  (they add routes to bp)
    beneficiaries,
    exports,
    home,
    imports,
    pdpl,
    program_registrations,
    programs,
    referrals,
    reports,
    requests,
    tokens,
)
from blueprints.staff.base import bp

__all__ = ["bp"]
