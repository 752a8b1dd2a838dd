"""The association's public portal at /<slug>/."""
from blueprints.portal import changes, complaints, policy, requests, surveys  # noqa: F401  (add routes to bp)
from blueprints.portal.views import bp

__all__ = ["bp"]
