"""Tenant-owned tables keep tenant_id in their keys, so they can be distributed by tenant."""
import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models.keys import TenantKeyed, allocate_ids, get_in_tenant
from core.tenancy import TenantOwned, tenant_scope
from tests.helpers import app_ctx

#: Tables from before the (tenant_id, id) rule, converted since (migrations e8d4c2a6f1b9 and, for the audit
#: log, b6f2d9a4c1e7): keyed on (tenant_id, id) in the database, known by id alone in the ORM.
OLDER_TABLES = {
    "beneficiaries", "household_members", "income_sources", "support_requests", "request_documents",
    "attachments", "referrals", "interactions", "outbox_messages", "audit_log",
}


def _tenant_tables():
    return {m.local_table.name: m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, TenantOwned)}


def test_every_newer_tenant_table_keys_on_tenant_id_and_its_foreign_keys_carry_it(app):
    tenant_tables = _tenant_tables()
    for name, cls in tenant_tables.items():
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


def test_older_tables_key_on_tenant_and_id_and_are_still_found_by_id(app, tenant_a):
    from core.beneficiaries.models import Beneficiary

    for name in OLDER_TABLES:
        table = db.metadata.tables[name]
        assert [c.name for c in table.primary_key.columns] == ["tenant_id", "id"], name
        mapper = next(m for m in db.Model.registry.mappers if m.local_table is table)
        assert [c.name for c in mapper.primary_key] == ["id"], name
    with app_ctx(app), tenant_scope(tenant_a):
        first = Beneficiary(file_number=901, name="Older", name_search="older", national_id="1000000901",
                            gender="female")
        second = Beneficiary(file_number=902, name="Older", name_search="older", national_id="1000000902",
                             gender="female")
        db.session.add_all([first, second])
        db.session.commit()
        assert first.id and second.id > first.id
        db.session.expunge_all()
        assert db.session.get(Beneficiary, second.id).file_number == 902
        assert get_in_tenant(Beneficiary, first.id).file_number == 901


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
