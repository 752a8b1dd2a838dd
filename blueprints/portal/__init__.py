"""The association's public portal at /<slug>/."""
from blueprints.portal import policy, programs  # noqa: F401  (they add routes to bp)
from blueprints.portal.views import bp

__all__ = ["bp"]
