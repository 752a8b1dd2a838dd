"""Optional modules a tenant turns on in its settings (codes in `core.catalog.MODULES`)."""
from functools import wraps

from flask import abort, g


def enabled(tenant, code: str) -> bool:
    return code in ((tenant.settings or {}).get("modules") or []) if tenant is not None else False


def module_required(code: str):
    """The view exists only for tenants with the module on; for the others it is not found."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not enabled(g.get("tenant"), code):
                abort(404)
            return view(*args, **kwargs)
        return wrapped
    return decorator
