"""Tenant scope: which association's rows the current unit of work may see.

Every query of a `TenantOwned` model gets `tenant_id = <current tenant>` added by the ORM; with no
tenant set it gets a false condition, so a forgotten scope reads nothing (fail closed). On PostgreSQL
the tenant is written into the transaction with `set_config('wasl.tenant_id', …, true)`, signed
(`wasl.tenant_sig`, core/rls_key.py), and enforced a second time by row-level security, whose policy
for the app's role accepts only a tenant the app signed and has no setting that widens it.

Platform code that really must cross tenants says so with `cross_tenant_scope` (operators' pages audit
it). On PostgreSQL its queries run on a connection of their own, as the operator's database role
(`DATABASE_OPERATOR_URL`, see core/rls.py); the session picks the connection by the scope in force
(`core.extensions.ScopeBoundSession`), and changes are flushed when the scope changes, so each one is
written by the connection of the scope it was made in.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event, orm
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core import rls_key
from core.extensions import db

#: First path segments that belong to the platform; no tenant may take them as its slug.
RESERVED_SLUGS = frozenset({
    "admin", "api", "auth", "healthz", "operator", "static", "staff", "vendor", "www", "wasl",
    "login", "logout", "favicon.ico", "robots.txt", "assets", "public", "portal", "docs", "metrics", "readyz",
    "invitations",
})


class TenantScopeError(RuntimeError):
    """Raised when data would be written outside the current tenant."""


@dataclass(frozen=True)
class Scope:
    tenant_id: int | None = None
    cross_tenant: bool = False
    #: Work that platform code began (a tenant scope inside a cross-tenant one, e.g. provisioning that
    #: makes the new tenant's first policy version) stays on the operator's connection, which sees
    #: what that work has written but not yet committed; the ORM still limits it to the tenant.
    operator_connection: bool = False


NO_SCOPE = Scope()


def current_scope() -> Scope:
    if not has_app_context():
        return NO_SCOPE
    return g.get("_wasl_scope", NO_SCOPE)


def _set_scope(scope: Scope) -> None:
    g._wasl_scope = scope
    _apply_to_open_transaction(scope)


def _flush_pending() -> None:
    """Write what the current scope changed before the scope (and so the connection) changes."""
    if not has_app_context() or "sqlalchemy" not in current_app.extensions:
        return
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()


@contextmanager
def _scoped(scope: Scope):
    previous = current_scope()
    _flush_pending()
    _set_scope(scope)
    try:
        yield
        _flush_pending()
    finally:
        _set_scope(previous)


def tenant_scope(tenant):
    """Work inside one tenant: queries see only its rows, inserts are stamped with it."""
    outer = current_scope()
    return _scoped(Scope(tenant_id=tenant.id if hasattr(tenant, "id") else int(tenant),
                         operator_connection=outer.cross_tenant or outer.operator_connection))


def cross_tenant_scope():
    """Platform work across tenants (login, provisioning, the operator console). Callers audit it."""
    return _scoped(Scope(cross_tenant=True, operator_connection=True))


def enter_tenant(tenant) -> None:
    """Set the tenant for the rest of the request (called once when the URL is resolved)."""
    _set_scope(Scope(tenant_id=tenant.id if hasattr(tenant, "id") else int(tenant)))


def leave_tenant() -> None:
    """No tenant for the rest of the request (the URL's tenant turned out not to be served)."""
    _set_scope(NO_SCOPE)


class TenantOwned:
    """Mixin for every table that belongs to one tenant (platform rows go to platform tables, such as
    the platform audit log: a tenant table has no row without a tenant)."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(sa.ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False, index=True)


def tenant_owned_tables() -> list[sa.Table]:
    """The tables row-level security must cover."""
    return sorted(
        (m.local_table for m in db.Model.registry.mappers if issubclass(m.class_, TenantOwned)),
        key=lambda t: t.name,
    )


@event.listens_for(orm.Session, "do_orm_execute")
def _add_tenant_criteria(state: orm.ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.execution_options.get("_wasl_unscoped"):
        return
    scope = current_scope()
    if scope.cross_tenant:
        return
    if scope.tenant_id is None or not isinstance(state.parameters, dict | None):
        # No tenant: the criteria match nothing. Several parameter sets (executemany): the tenant is written
        # into the criteria, as it cannot be one more parameter of each set.
        state.statement = state.statement.options(_tenant_criteria(scope.tenant_id))
        return
    if _REUSED.get(id(state.statement)) is state.statement:
        state.statement = _reused_scoped(state.statement)
    else:
        state.statement = state.statement.options(IN_SCOPE_TENANT)
    state.parameters = {**(state.parameters or {}), TENANT_PARAMETER: scope.tenant_id}


#: id -> statement, for statements marked `reused` (kept alive here, so an id is never another's).
_REUSED: dict[int, object] = {}


def reused(statement):
    """Mark a statement built once and run on many requests (its values as bound parameters). Each run
    adds the tenant's criteria to it, which makes a new statement whose cache key SQLAlchemy must work out
    again by walking it (~1 ms for the work queues' one); the scoped statement is kept instead, and its
    cache key with it (`_reused_scoped`)."""
    _REUSED[id(statement)] = statement
    return statement


@cache
def _reused_scoped(statement):
    """A reused statement with the tenant criteria. One for all tenants (the tenant is a parameter of each
    run), so as many as there are reused statements, whatever the number of associations served: kept per
    tenant instead, a thousand associations' pages missed a bounded cache most of the time and paid the
    walk on every request (bench/RESULTS.md, seventh pass)."""
    return statement.options(IN_SCOPE_TENANT)


#: The bound parameter the tenant criteria compare `tenant_id` with: each run of a statement in a tenant's
#: scope gives it the scope's tenant (`_add_tenant_criteria`), and a run that does not give it fails.
TENANT_PARAMETER = "wasl_scope_tenant"

#: The ORM option that limits a statement to the tenant in scope. It is not passed on to the relationships
#: the loaded objects load later: each of those runs is limited by the scope it runs in.
IN_SCOPE_TENANT = orm.with_loader_criteria(
    TenantOwned, lambda cls: cls.tenant_id == sa.bindparam("wasl_scope_tenant"),
    include_aliases=True, propagate_to_loaders=False)


@lru_cache(maxsize=4096)
def _tenant_criteria(tenant_id: int | None):
    """The ORM option that limits a statement to one tenant written into it (or to nothing), for the runs
    that cannot take the tenant as a parameter. Made once per tenant: building it analyses its lambda."""
    if tenant_id is None:
        return orm.with_loader_criteria(TenantOwned, lambda cls: sa.false(), include_aliases=True)
    return orm.with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)


@event.listens_for(orm.Session, "before_flush")
def _stamp_and_guard_tenant(session: orm.Session, flush_context, instances) -> None:
    scope = current_scope()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if scope.cross_tenant:
            if obj.tenant_id is None:
                raise TenantScopeError(f"{type(obj).__name__} needs an explicit tenant_id here")
            continue
        if scope.tenant_id is None:
            raise TenantScopeError(f"cannot write {type(obj).__name__} with no tenant in scope")
        if obj.tenant_id is None:
            obj.tenant_id = scope.tenant_id
        elif obj.tenant_id != scope.tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant")


# --- PostgreSQL: the same scope, per transaction, for row-level security -------------------------

def _write_scope(connection: sa.Connection, scope: Scope) -> None:
    if connection.dialect.name != "postgresql":
        return
    rls_key.write_scope(connection, scope.tenant_id)


@event.listens_for(orm.Session, "after_begin")
def _scope_transaction(session: orm.Session, transaction, connection: sa.Connection) -> None:
    _write_scope(connection, current_scope())


def _apply_to_open_transaction(scope: Scope) -> None:
    """A scope change inside an open transaction must reach the database at once."""
    if "sqlalchemy" not in current_app.extensions:
        return
    session = db.session()
    if session.in_transaction():
        _write_scope(session.connection(), scope)
