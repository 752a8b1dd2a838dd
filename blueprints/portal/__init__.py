"""The association's public portal at /<slug>/."""
from blueprints.portal import policy, surveys  # noqa: F401  (add routes to bp)
from blueprints.portal.views import bp

__all__ = ["bp"]
