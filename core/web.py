"""Resolving the tenant from the URL and guarding views by membership and role."""
from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, abort, g, request
from flask_login import current_user, login_required
from werkzeug.routing import IntegerConverter

from core.accounts import roles_in
from core.digits import to_int
from core.extensions import db
from core.models import Tenant, TenantStatus
from core.models.keys import INT4_MAX, MAX_ID
from core.tenancy import RESERVED_SLUGS, enter_tenant


def resolve_tenant(slug: str) -> Tenant:
    """The active tenant for a URL slug, or a 404 page (unknown and suspended look the same)."""
    if not slug or slug in RESERVED_SLUGS:
        abort(404)
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None or tenant.status != TenantStatus.active:
        abort(404)
    return tenant


def tenant_blueprint(name: str, import_name: str, prefix: str = "", members_only: bool = False) -> Blueprint:
    """A blueprint under `/<tenant_slug><prefix>`, with the tenant resolved once per request.

    With `members_only`, people who are not members of this tenant get a 404 (the tenant's
    private areas are not even confirmed to exist), and anonymous visitors are sent to log in.
    """
    bp = Blueprint(name, import_name, url_prefix=f"/<tenant_slug>{prefix}")

    @bp.url_value_preprocessor
    def pull_tenant(endpoint, values):
        tenant = resolve_tenant(values.pop("tenant_slug", None))
        g.tenant = tenant
        enter_tenant(tenant)
        g.roles = roles_in(current_user, tenant) if current_user.is_authenticated else frozenset()

    @bp.url_defaults
    def add_tenant(endpoint, values):
        if "tenant_slug" not in values and g.get("tenant") is not None:
            values["tenant_slug"] = g.tenant.slug

    if members_only:
        @bp.before_request
        @login_required
        def require_membership():
            g.personal_data = True
            if not g.roles:
                abort(404)

    return bp


def roles_required(*roles):
    """The view needs one of these roles in the current tenant; a member without them gets 403."""
    wanted = {str(r) for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not g.get("roles"):
                abort(404)
            if not wanted & g.roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def operator_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_operator:
            abort(403)
        g.personal_data = True
        return view(*args, **kwargs)

    return wrapped


def module_required(*codes):
    """The view exists only for tenants with one of these optional modules on; for others it is a 404,
    as if the page did not exist."""
    wanted = set(codes)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            tenant = g.get("tenant")
            if tenant is None or not wanted & set((tenant.settings or {}).get("modules", [])):
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits only, and no bigger than a key column holds, so a huge
    number in a path is a 404 instead of a database error (views check the model's own range too)."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=MAX_ID if max is None else max, signed=False)


def arg_id(name: str, high: int = INT4_MAX) -> int | None:
    """A positive id from the query string (`?after=`, `?researcher=`): None when absent, 400 when it is
    not a number in the column's range (never a database error)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    value = to_int(raw, low=1, high=high)
    if value is None:
        abort(400)
    return value
