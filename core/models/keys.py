"""Keys for tenant-owned tables, built so each table can be distributed by tenant (Citus).

Every new tenant-owned table:
- subclasses `TenantKeyed` (primary key `(tenant_id, id)`; `id` is an identity on PostgreSQL and comes
  from `id_sequences` on SQLite, which cannot autoincrement one column of a composite key);
- points at other tenant tables with `tenant_fk(...)`, a foreign key that carries `tenant_id`, so a row
  can never reference another association's row, whatever the application does;
- has an index for each list's keyset order, led by `tenant_id`;
- gets row-level security in its migration with `rls.enable_tenant_rls(table)`.

The older tables (beneficiaries, support_requests, attachments …, and the audit log) key on (tenant_id, id)
too, but keep `id` as the ORM's identity: see `SequencedId`. Rows without a tenant belong in a platform table
(platform events: `platform_audit_log`), never in a tenant table.

A relationship along a `tenant_fk` joins on both columns; declare it with `tenant_relationship(...)`,
which writes only the id column (several foreign keys of one table share `tenant_id`, which
`core.tenancy` stamps). Load lists by keyset on `(tenant_id, id)`; `db.session.get` needs the pair.

    class Complaint(TenantKeyed, Timestamped, db.Model):
        __tablename__ = "complaints"
        __table_args__ = (
            tenant_fk("beneficiary_id", "beneficiaries", ondelete="RESTRICT"),
            sa.Index("ix_complaints_tenant_state_id", "tenant_id", "state", "id"),
        )
        beneficiary_id: Mapped[int | None]
        beneficiary = tenant_relationship("Complaint", "beneficiary_id", "Beneficiary")
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.extensions import db
from core.tenancy import TenantOwned

#: The id type of keyed tables: 64-bit on PostgreSQL, SQLite's INTEGER (64-bit anyway).
ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class IdSequence(db.Model):
    """SQLite only: the next id of each keyed table (PostgreSQL uses identity columns)."""

    __tablename__ = "id_sequences"

    name: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


class SequencedId:
    """A table keyed on (tenant_id, id) whose `id` comes from `id_sequences` on SQLite (which numbers by
    itself only a one-column integer key); PostgreSQL fills it from the column's identity or sequence.

    The older tables (before this module) subclass it directly: their primary key is (tenant_id, id) in
    the database, declared with `sa.PrimaryKeyConstraint("tenant_id", "id")`, while the ORM keeps `id`
    alone as their identity (`__mapper_args__ = {"primary_key": [id]}`): their ids are unique across
    tenants, so `db.session.get(Model, id)` and the relationships written before the key changed keep
    working. Their `id` keeps its type and its sequence on PostgreSQL (`sequenced_id`).
    """


def sequenced_id(table: str, type_=sa.Integer):
    """The `id` of an older table keyed on (tenant_id, id): on PostgreSQL its existing sequence (the one
    SERIAL made) numbers new rows, on SQLite `id_sequences` does (`SequencedId`)."""
    return mapped_column(type_, sa.Sequence(f"{table}_id_seq"), nullable=False)


class TenantKeyed(SequencedId, TenantOwned):
    """Primary key (tenant_id, id) for a new tenant-owned table."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(sa.ForeignKey("tenants.id", ondelete="RESTRICT"), primary_key=True)

    @declared_attr
    def id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ID_TYPE, sa.Identity(), primary_key=True)


def tenant_fk(column: str | list[str], table: str, ondelete: str = "RESTRICT", target: str | list[str] = "id",
              name: str | None = None):
    """A foreign key that carries tenant_id: (tenant_id, column) → table(tenant_id, target).

    `ondelete` may be RESTRICT or CASCADE: SET NULL would blank tenant_id too. For an optional link
    whose target may go, keep the target (soft delete) or clear the column in the operation. Give a
    `name` when a table has two of them to the same table (the naming convention would name both alike).
    """
    columns = [column] if isinstance(column, str) else list(column)
    targets = [target] if isinstance(target, str) else list(target)
    if ondelete.upper() == "SET NULL":
        raise ValueError("a tenant foreign key cannot SET NULL: it would blank tenant_id")
    return sa.ForeignKeyConstraint(
        ["tenant_id", *columns], [f"{table}.tenant_id", *(f"{table}.{t}" for t in targets)], ondelete=ondelete,
        name=name,
    )


def tenant_relationship(owner: str, column: str, target: str, target_column: str = "id", **kwargs):
    """A many-to-one along a tenant_fk: joins on tenant_id and the column, writes only the column.

    Several relationships of one table may share tenant_id this way without SQLAlchemy's overlap
    warning: the tenant is stamped by `core.tenancy`, and the foreign key still guards it.
    """
    kwargs.setdefault("lazy", "raise")
    return relationship(
        target,
        primaryjoin=f"and_({owner}.tenant_id == {target}.tenant_id, "
                    f"foreign({owner}.{column}) == {target}.{target_column})",
        **kwargs,
    )


def tenant_collection(owner: str, target: str, column: str, owner_column: str = "id", **kwargs):
    """The one-to-many side of a tenant_fk (`target.column` → `owner`): joins on tenant_id and the column,
    writes only the column (the children's tenant_id is stamped by `core.tenancy`)."""
    kwargs.setdefault("lazy", "raise")
    return relationship(
        target,
        primaryjoin=f"and_({target}.tenant_id == {owner}.tenant_id, "
                    f"foreign({target}.{column}) == {owner}.{owner_column})",
        **kwargs,
    )


#: Largest id any key column holds (BIGINT); a bigger number in a URL or form is simply not found.
MAX_ID = 2**63 - 1
#: Largest value of an INTEGER column (the older tables' ids, users' ids): PostgreSQL refuses a bigger
#: one even in a comparison (SQLAlchemy casts the parameter to the column's type).
INT4_MAX = 2**31 - 1


def max_id(model) -> int:
    """The largest id `model`'s id column can hold."""
    column = model.__table__.c.id
    return MAX_ID if isinstance(column.type, sa.BigInteger) else INT4_MAX


def id_in_range(model, ident) -> bool:
    return isinstance(ident, int) and 0 < ident <= max_id(model)


def get_in_tenant(model, ident):
    """The current tenant's row of `model` with this id, or None (another tenant's id is not found)."""
    from core.digits import to_int
    from core.tenancy import current_scope

    ident = ident if isinstance(ident, int) else to_int(None if ident is None else str(ident))
    if not id_in_range(model, ident):
        return None
    if issubclass(model, TenantKeyed):
        tenant_id = current_scope().tenant_id
        return None if tenant_id is None else db.session.get(model, (tenant_id, ident))
    return db.session.get(model, ident)


@event.listens_for(SequencedId, "before_insert", propagate=True)
def _allocate_sqlite_id(mapper, connection: sa.Connection, target) -> None:
    if target.id is not None or connection.dialect.name != "sqlite":
        return
    table = mapper.local_table.name
    target.id = connection.execute(
        sa.text("INSERT INTO id_sequences (name, value) VALUES (:name, 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value"),
        {"name": table},
    ).scalar_one()


def allocate_ids(connection: sa.Connection, table: str, count: int) -> range | None:
    """Reserve `count` ids for a bulk insert on SQLite; None on PostgreSQL (the identity fills them)."""
    if connection.dialect.name != "sqlite" or count <= 0:
        return None
    last = connection.execute(
        sa.text("INSERT INTO id_sequences (name, value) VALUES (:name, :count) "
                "ON CONFLICT (name) DO UPDATE SET value = value + :count RETURNING value"),
        {"name": table, "count": count},
    ).scalar_one()
    return range(last - count + 1, last + 1)
