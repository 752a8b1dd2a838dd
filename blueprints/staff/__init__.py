"""The staff work area at /<slug>/staff/: one blueprint, routes split by concept."""
from blueprints.staff import (  # noqa: F401  (they add routes to bp)
    beneficiaries,
    home,
    lifecycle,
    program_registrations,
    programs,
    referrals,
    requests,
    rights,
    verification,
)
from blueprints.staff.base import bp

__all__ = ["bp"]
