"""Admin routes: users."""
from blueprints.admin.views import bp  # noqa: F401
