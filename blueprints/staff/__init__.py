"""The staff work area at /<slug>/staff/: one blueprint, routes split by concept."""
from blueprints.staff import beneficiaries, home, referrals, requests, tokens  # noqa: F401  (they add routes to bp)
from blueprints.staff.base import bp

__all__ = ["bp"]
