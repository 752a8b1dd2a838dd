"""The staff work area at /<slug>/staff/: one blueprint, routes split by concept."""
from blueprints.staff import beneficiaries, exports, home, referrals, reports, requests, tokens  # noqa: F401
from blueprints.staff.base import bp

__all__ = ["bp"]
