"""Admin routes: policy."""
from blueprints.admin.views import bp  # noqa: F401
