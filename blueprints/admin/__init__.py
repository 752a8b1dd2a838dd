"""The charity admin's area at /<slug>/admin/."""
from blueprints.admin.views import bp

__all__ = ["bp"]
