"""The association's public portal at /<slug>/."""
from blueprints.portal import policy  # noqa: F401  (adds routes to bp)
from blueprints.portal.views import bp

__all__ = ["bp"]
