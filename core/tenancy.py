"""Tenant scope: which association's rows the current unit of work may see.

Every query of a `TenantOwned` model gets `tenant_id = <current tenant>` added by the ORM; with no
tenant set it gets a false condition, so a forgotten scope reads nothing (fail closed). Platform code
that really must cross tenants says so with `cross_tenant_scope`, which operators' pages audit. On
PostgreSQL the same scope is written into the transaction with `set_config(..., true)` and enforced a
second time by row-level security.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event, orm
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.extensions import db

#: First path segments that belong to the platform; no tenant may take them as its slug.
RESERVED_SLUGS = frozenset({
    "admin", "api", "auth", "healthz", "operator", "static", "staff", "vendor", "www", "wasl",
    "login", "logout", "favicon.ico", "robots.txt", "assets", "public", "portal", "docs", "metrics", "readyz",
})


class TenantScopeError(RuntimeError):
    """Raised when data would be written outside the current tenant."""


@dataclass(frozen=True)
class Scope:
    tenant_id: int | None = None
    cross_tenant: bool = False


NO_SCOPE = Scope()


def current_scope() -> Scope:
    if not has_app_context():
        return NO_SCOPE
    return g.get("_wasl_scope", NO_SCOPE)


def _set_scope(scope: Scope) -> None:
    g._wasl_scope = scope
    _apply_to_open_transaction(scope)


@contextmanager
def _scoped(scope: Scope):
    previous = current_scope()
    _set_scope(scope)
    try:
        yield
    finally:
        _set_scope(previous)


def tenant_scope(tenant):
    """Work inside one tenant: queries see only its rows, inserts are stamped with it."""
    return _scoped(Scope(tenant_id=tenant.id if hasattr(tenant, "id") else int(tenant)))


def cross_tenant_scope():
    """Platform work across tenants (login, provisioning, the operator console). Callers audit it."""
    return _scoped(Scope(cross_tenant=True))


def enter_tenant(tenant) -> None:
    """Set the tenant for the rest of the request (called once when the URL is resolved)."""
    _set_scope(Scope(tenant_id=tenant.id))


class TenantOwned:
    """Mixin for every table that belongs to one tenant."""

    #: Rows with no tenant (platform events in the audit log) are allowed only where this is True.
    __tenant_nullable__ = False

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(
            sa.ForeignKey("tenants.id", ondelete="RESTRICT"),
            nullable=cls.__tenant_nullable__,
            index=True,
        )


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
    tenant_id = scope.tenant_id
    if tenant_id is None:
        criteria = orm.with_loader_criteria(TenantOwned, lambda cls: sa.false(), include_aliases=True)
    else:
        criteria = orm.with_loader_criteria(
            TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
    state.statement = state.statement.options(criteria)


@event.listens_for(orm.Session, "before_flush")
def _stamp_and_guard_tenant(session: orm.Session, flush_context, instances) -> None:
    scope = current_scope()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None and obj.__tenant_nullable__ and obj in session.new:
            continue  # a platform row (e.g. an audit entry of a login): may be written from anywhere
        if scope.cross_tenant:
            if obj.tenant_id is None and not obj.__tenant_nullable__:
                raise TenantScopeError(f"{type(obj).__name__} needs an explicit tenant_id here")
            continue
        if scope.tenant_id is None:
            raise TenantScopeError(f"cannot write {type(obj).__name__} with no tenant in scope")
        if obj.tenant_id is None:
            obj.tenant_id = scope.tenant_id
        elif obj.tenant_id != scope.tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant")


# --- PostgreSQL: the same scope, per transaction, for row-level security -------------------------

_SET_SCOPE_SQL = sa.text(
    "SELECT set_config('wasl.tenant_id', :tenant, true), set_config('wasl.cross_tenant', :cross, true)"
)


def _write_scope(connection: sa.Connection, scope: Scope) -> None:
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        _SET_SCOPE_SQL,
        {"tenant": "" if scope.tenant_id is None else str(scope.tenant_id),
         "cross": "on" if scope.cross_tenant else "off"},
    )


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
