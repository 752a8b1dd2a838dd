"""Public policy pages: HTML and PDF."""
from blueprints.portal.views import bp  # noqa: F401
