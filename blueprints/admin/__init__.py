"""The charity admin's area at /<slug>/admin/: one blueprint, routes split by concept."""
from blueprints.admin import casework, clauses, offerings, policy, settings, users  # noqa: F401  (they add routes to bp)
from blueprints.admin.views import bp

__all__ = ["bp"]
