"""The staff work area at /<slug>/staff/: one blueprint, routes split by concept."""
from blueprints.staff import beneficiaries, exports, home, referrals, requests, tokens  # noqa: F401  (they add routes)
from blueprints.staff.base import bp

__all__ = ["bp"]
