"""The platform operator's console at /operator/."""
from blueprints.operator.views import bp

__all__ = ["bp"]
