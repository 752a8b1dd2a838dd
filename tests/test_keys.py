"""Tenant-owned tables keep tenant_id in their keys, so they can be distributed by tenant."""
import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models.keys import TenantKeyed, allocate_ids, get_in_tenant
from core.tenancy import TenantOwned, tenant_scope
from tests.helpers import app_ctx

#: Tables from before the (tenant_id, id) rule; issue 12 (scale) converts them. Do not add to this.
OLDER_TABLES = {
    "beneficiaries", "household_members", "income_sources", "support_requests", "request_documents",
    "attachments", "referrals", "interactions", "outbox_messages", "audit_log", "beneficiary_categories",
}


def _tenant_tables():
    return {m.local_table.name: m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, TenantOwned)}


def test_every_newer_tenant_table_keys_on_tenant_id_and_its_foreign_keys_carry_it(app):
    tenant_tables = _tenant_tables()
    for name, cls in tenant_tables.items():
        if name in OLDER_TABLES:
            continue
        table = cls.__table__
        assert "tenant_id" in table.primary_key.columns, f"{name}: primary key lacks tenant_id"
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint) and not isinstance(constraint, sa.PrimaryKeyConstraint):
                assert "tenant_id" in constraint.columns, f"{name}: unique {constraint.name} lacks tenant_id"
        for index in table.indexes:
            if index.unique:
                assert "tenant_id" in index.columns, f"{name}: unique index {index.name} lacks tenant_id"
        for fk in table.foreign_key_constraints:
            if fk.referred_table.name in tenant_tables:
                assert "tenant_id" in fk.column_keys, f"{name}: foreign key to {fk.referred_table.name} lacks tenant_id"


def test_older_tables_can_be_referenced_by_tenant_and_id(app):
    for name in OLDER_TABLES - {"audit_log", "beneficiary_categories"}:
        table = db.metadata.tables[name]
        pairs = [tuple(c.name for c in i.columns) for i in table.indexes if i.unique]
        assert ("tenant_id", "id") in pairs, name


def test_keyed_classes_use_the_pair_as_primary_key(app):
    for cls in TenantKeyed.__subclasses__():
        assert [c.name for c in cls.__table__.primary_key.columns] == ["tenant_id", "id"], cls


def test_sqlite_id_ranges_do_not_overlap(app):
    with app_ctx(app) as session:
        conn = session.connection()
        first = allocate_ids(conn, "example", 3)
        second = allocate_ids(conn, "example", 2)
        if conn.dialect.name != "sqlite":
            assert first is None and second is None
            return
        assert list(first) == [1, 2, 3] and list(second) == [4, 5]


@pytest.mark.parametrize("ident", ["0", "-1", str(2**63), "99999999999999999999999", "abc", None])
def test_out_of_range_or_malformed_ids_are_not_found(app, tenant_a, ident):
    from core.beneficiaries.models import Beneficiary

    with app_ctx(app), tenant_scope(tenant_a):
        assert get_in_tenant(Beneficiary, ident) is None


def test_sqlite_enforces_foreign_keys_like_postgresql(app, tenant_a):
    from core.beneficiaries.models import HouseholdMember

    with app_ctx(app) as session, tenant_scope(tenant_a):
        session.add(HouseholdMember(beneficiary_id=424242, relation="son", name="x"))
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()
        session.rollback()
