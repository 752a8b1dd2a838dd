"""Accepting an invitation at /invitations/<token> (a platform path: the token names the association)."""
from blueprints.invitations.views import bp

__all__ = ["bp"]
