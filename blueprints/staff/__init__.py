"""The staff work area at /<slug>/staff/: one blueprint, routes split by concept."""
from blueprints.staff import beneficiaries, home, lifecycle, referrals, requests, rights, verification  # noqa: F401
from blueprints.staff.base import bp

__all__ = ["bp"]
