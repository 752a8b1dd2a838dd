"""Logging in and out at /auth/."""
from blueprints.auth.views import bp

__all__ = ["bp"]
