"""Resolving the tenant from the URL and guarding views by membership and role."""
from functools import lru_cache, wraps

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user, login_required
from werkzeug.routing import IntegerConverter

from core import accounts
from core.accounts import roles_in
from core.digits import to_int
from core.extensions import db, login_manager
from core.models import Tenant, TenantStatus
from core.models.keys import INT4_MAX, MAX_ID
from core.tenancy import RESERVED_SLUGS, enter_tenant, leave_tenant, reused


def resolve_tenant(slug: str) -> Tenant:
    """The active tenant for a URL slug, or a 404 page (unknown and suspended look the same)."""
    if not slug or slug in RESERVED_SLUGS:
        abort(404)
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None or tenant.status != TenantStatus.active:
        abort(404)
    return tenant


def _tenant_ids() -> dict[str, int]:
    """Slug → tenant id, per process and app: a hint only. With it the request's transaction begins in
    the tenant's scope (one `set_config` instead of two), and the tenant and the user's roles there come
    back in one query. The tenant is still read by its slug on every request, so a suspension or a new
    slug counts at once; a hint that no longer fits is simply not used."""
    return current_app.extensions.setdefault("wasl_tenant_ids", {})


def _roles_column(user_id):
    from core.models import TenantRole

    return (sa.select(sa.func.aggregate_strings(TenantRole.role, ","))
            .where(TenantRole.tenant_id == Tenant.id, TenantRole.user_id == user_id)
            .scalar_subquery())


def _unread_column(user_id):
    from core.notifications.models import Notification

    return (sa.select(sa.func.count()).select_from(Notification)
            .where(Notification.tenant_id == Tenant.id, Notification.user_id == user_id,
                   Notification.read_at.is_(None))
            .scalar_subquery())


@lru_cache(maxsize=1)
def _preamble() -> sa.Select:
    """The statement of `_signed_in_at`, built once: building it (two correlated subqueries) cost more than
    running it."""
    from core.models import AuthSession

    user_id = AuthSession.user_id
    return reused(sa.select(AuthSession, Tenant, _roles_column(user_id), _unread_column(user_id))
                  .join(Tenant, Tenant.slug == sa.bindparam("slug"))
                  .where(AuthSession.token_hash == sa.bindparam("token_hash")))


def _signed_in_at(slug: str) -> tuple[Tenant, frozenset[str]] | None:
    """The common case in one query: the cookie's session with its user, the tenant by its slug, the
    user's roles there and their unread notifications (the staff navigation shows the count). None when
    that does not settle it (no such session or tenant, a session no longer live, a tenant that is not
    the hinted one): the caller then takes the long way, which gives the right answer for each case."""
    token_hash = accounts.session_token_hash()
    if token_hash is None or "_login_user" in g:
        return None
    row = db.session.execute(_preamble(), {"slug": slug, "token_hash": token_hash}).first()
    if row is None:
        return None
    auth_session, tenant, joined_roles, unread = row
    g._login_user = accounts.accept_session(auth_session) or login_manager.anonymous_user()
    if not current_user.is_authenticated or tenant.status != TenantStatus.active or tenant.id != _tenant_ids()[slug]:
        return None
    g.unread_notifications = unread
    return tenant, frozenset(joined_roles.split(",")) if joined_roles else frozenset()


def enter_tenant_of_url(slug: str | None) -> tuple[Tenant, frozenset[str]]:
    """Resolve the URL's tenant, enter its scope, and read the current user's roles there."""
    if not slug or slug in RESERVED_SLUGS:
        abort(404)
    hint = _tenant_ids().get(slug)
    if hint is not None:
        enter_tenant(hint)
        found = _signed_in_at(slug)
        if found is not None:
            return found
    user_id = current_user.id if current_user.is_authenticated else None  # loads the session (first query)
    if hint is not None and user_id is not None:
        row = db.session.execute(sa.select(Tenant, _roles_column(user_id)).where(Tenant.slug == slug)).first()
        tenant, joined_roles = row if row is not None else (None, None)
    else:
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        joined_roles = None
    if tenant is None or tenant.status != TenantStatus.active:
        if hint is not None:
            leave_tenant()
        abort(404)
    if tenant.id != hint:
        _tenant_ids()[slug] = tenant.id
        enter_tenant(tenant.id)
        joined_roles = None
        roles = roles_in(current_user, tenant) if user_id is not None else frozenset()
    elif user_id is None:
        roles = frozenset()
    else:
        roles = frozenset(joined_roles.split(",")) if joined_roles else frozenset()
    return tenant, roles


def tenant_blueprint(name: str, import_name: str, prefix: str = "", members_only: bool = False) -> Blueprint:
    """A blueprint under `/<tenant_slug><prefix>`, with the tenant resolved once per request.

    With `members_only`, people who are not members of this tenant get a 404 (the tenant's
    private areas are not even confirmed to exist), and anonymous visitors are sent to log in.
    """
    bp = Blueprint(name, import_name, url_prefix=f"/<tenant_slug>{prefix}")

    @bp.url_value_preprocessor
    def pull_tenant(endpoint, values):
        g.tenant, g.roles = enter_tenant_of_url(values.pop("tenant_slug", None))

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
