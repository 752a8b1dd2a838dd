"""Admin routes: settings."""
from blueprints.admin.views import bp  # noqa: F401
