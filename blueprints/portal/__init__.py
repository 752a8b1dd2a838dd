"""The association's public portal at /<slug>/."""
from blueprints.portal import changes, complaints, policy, programs, requests, surveys  # noqa: F401  (add routes)
from blueprints.portal.views import bp

__all__ = ["bp"]
